"""EC2 tags: CreateTags, DeleteTags and DescribeTags on volumes, snapshots and instances,
with EC2's limits (50 per resource, key <= 127, value <= 255 characters, no aws: prefix)."""

import pytest

from helpers import (
    UNKNOWN_INSTANCE,
    UNKNOWN_SNAPSHOT,
    UNKNOWN_VOLUME,
    expect_error,
    new_volume,
    status_of,
    tag_spec,
    tags_of,
    wait_snapshots,
)

IPV = "InvalidParameterValue"
AMI = "ami-0abcdef1234567890"


def T(**kv) -> list[dict]:
    return [{"Key": k, "Value": v} for k, v in kv.items()]


def volume_tags(ec2, vid) -> dict:
    return tags_of(ec2.describe_volumes(VolumeIds=[vid])["Volumes"][0])


@pytest.fixture
def resources(tenant):
    """A volume, a snapshot and an instance of a fresh account."""
    ec2 = tenant.ec2
    vid = new_volume(ec2, 1)
    [snap] = wait_snapshots(ec2, [ec2.create_snapshot(VolumeId=vid)["SnapshotId"]])
    inst = ec2.run_instances(ImageId=AMI, MinCount=1, MaxCount=1)["Instances"][0]
    root = inst["BlockDeviceMappings"][0]["Ebs"]["VolumeId"]
    return tenant, vid, snap["SnapshotId"], inst["InstanceId"], root


def test_create_and_describe_tags_on_every_kind(resources):
    tenant, vid, sid, iid, _root = resources
    ec2 = tenant.ec2
    resp = ec2.create_tags(Resources=[vid, sid, iid], Tags=T(env="prod", owner="ops"))
    assert status_of(resp) == 200
    assert volume_tags(ec2, vid) == {"env": "prod", "owner": "ops"}
    assert tags_of(ec2.describe_snapshots(SnapshotIds=[sid])["Snapshots"][0]) == {"env": "prod", "owner": "ops"}
    inst = ec2.describe_instances(InstanceIds=[iid])["Reservations"][0]["Instances"][0]
    assert tags_of(inst) == {"env": "prod", "owner": "ops"}

    everything = ec2.describe_tags()["Tags"]
    assert sorted((t["ResourceId"], t["ResourceType"], t["Key"], t["Value"]) for t in everything) == sorted(
        (rid, rtype, k, v)
        for rid, rtype in ((vid, "volume"), (sid, "snapshot"), (iid, "instance"))
        for k, v in (("env", "prod"), ("owner", "ops"))
    )

    def described(*filters):
        tags = ec2.describe_tags(Filters=[{"Name": n, "Values": v} for n, v in filters])["Tags"]
        return sorted((t["ResourceId"], t["Key"]) for t in tags)

    assert described(("resource-id", [vid])) == [(vid, "env"), (vid, "owner")]
    assert described(("resource-type", ["snapshot"])) == [(sid, "env"), (sid, "owner")]
    assert described(("resource-type", ["instance"]), ("key", ["env"])) == [(iid, "env")]
    assert described(("key", ["own*"])) == sorted([(vid, "owner"), (sid, "owner"), (iid, "owner")])
    assert described(("value", ["prod"])) == sorted([(vid, "env"), (sid, "env"), (iid, "env")])
    assert described(("resource-id", [vid, sid]), ("value", ["ops"])) == sorted([(vid, "owner"), (sid, "owner")])
    assert described(("key", ["missing"])) == []
    expect_error(lambda: ec2.describe_tags(Filters=[{"Name": "colour", "Values": ["x"]}]), IPV, 400)


def test_describe_tags_tag_key_filter_and_the_model_filter_list(resources):
    """DescribeTags' filters are the model's: key, resource-id, resource-type, tag:<key>, value.
    `tag:Owner=TeamA` lists the tags of the resources tagged Owner=TeamA."""
    tenant, vid, sid, iid, _root = resources
    ec2 = tenant.ec2
    ec2.create_tags(Resources=[vid, sid], Tags=T(Owner="TeamA", env="prod"))
    ec2.create_tags(Resources=[iid], Tags=T(Owner="TeamB", env="prod"))

    def described(*filters):
        tags = ec2.describe_tags(Filters=[{"Name": n, "Values": v} for n, v in filters])["Tags"]
        return sorted((t["ResourceId"], t["Key"], t["Value"]) for t in tags)

    assert described(("tag:Owner", ["TeamA"])) == sorted(
        [(vid, "Owner", "TeamA"), (vid, "env", "prod"), (sid, "Owner", "TeamA"), (sid, "env", "prod")])
    assert described(("tag:Owner", ["TeamA", "TeamB"]), ("key", ["env"])) == sorted(
        [(vid, "env", "prod"), (sid, "env", "prod"), (iid, "env", "prod")])
    assert described(("tag:Owner", ["Team?"]), ("resource-type", ["instance"])) == sorted(
        [(iid, "Owner", "TeamB"), (iid, "env", "prod")])
    assert described(("tag:Owner", ["*B"]), ("key", ["Owner"])) == [(iid, "Owner", "TeamB")]
    assert described(("tag:env", ["dev"])) == []
    assert described(("tag:owner", ["TeamA"])) == []  # keys are case-sensitive
    for name in ("tag-key", "tag-value", "resource-id-x", "tag"):
        e = expect_error(lambda: ec2.describe_tags(Filters=[{"Name": name, "Values": ["x"]}]), IPV, 400)
        assert e.response["Error"]["Message"] == f"The filter '{name}' is invalid"


def test_overwrite_and_delete_tags(resources):
    tenant, vid, _sid, _iid, _root = resources
    ec2 = tenant.ec2
    ec2.create_tags(Resources=[vid], Tags=T(a="1", b="2", c="3", d="4"))
    ec2.create_tags(Resources=[vid], Tags=T(a="one"))
    assert volume_tags(ec2, vid) == {"a": "one", "b": "2", "c": "3", "d": "4"}
    # By key.
    assert status_of(ec2.delete_tags(Resources=[vid], Tags=[{"Key": "b"}])) == 200
    assert volume_tags(ec2, vid) == {"a": "one", "c": "3", "d": "4"}
    # By key and value: only a matching value is deleted.
    ec2.delete_tags(Resources=[vid], Tags=T(c="not-3"))
    assert volume_tags(ec2, vid) == {"a": "one", "c": "3", "d": "4"}
    ec2.delete_tags(Resources=[vid], Tags=T(c="3"))
    assert volume_tags(ec2, vid) == {"a": "one", "d": "4"}
    # An empty value deletes only a tag whose value is empty.
    ec2.create_tags(Resources=[vid], Tags=T(e=""))
    assert volume_tags(ec2, vid) == {"a": "one", "d": "4", "e": ""}
    ec2.delete_tags(Resources=[vid], Tags=T(a=""))
    ec2.delete_tags(Resources=[vid], Tags=T(e=""))
    assert volume_tags(ec2, vid) == {"a": "one", "d": "4"}
    # No tags named: every tag of the resource goes.
    ec2.delete_tags(Resources=[vid])
    assert volume_tags(ec2, vid) == {}
    assert ec2.describe_tags(Filters=[{"Name": "resource-id", "Values": [vid]}])["Tags"] == []
    expect_error(lambda: ec2.delete_tags(Resources=[vid], Tags=[{"Key": "x"}], DryRun=True), "DryRunOperation", 412)


def test_tags_vanish_with_their_resource(resources):
    tenant, vid, sid, _iid, _root = resources
    ec2 = tenant.ec2
    ec2.create_tags(Resources=[vid, sid], Tags=T(gone="soon"))
    ec2.delete_volume(VolumeId=vid)
    ec2.delete_snapshot(SnapshotId=sid)
    assert ec2.describe_tags(Filters=[{"Name": "key", "Values": ["gone"]}])["Tags"] == []


def test_terminated_instance_root_volume_tags_go(resources):
    tenant, _vid, _sid, iid, root = resources
    ec2 = tenant.ec2
    ec2.create_tags(Resources=[root], Tags=T(role="root"))
    ec2.terminate_instances(InstanceIds=[iid])
    assert ec2.describe_tags(Filters=[{"Name": "resource-id", "Values": [root]}])["Tags"] == []


def test_tag_key_and_value_limits(ec2):
    vid = new_volume(ec2, 1)
    ec2.create_tags(Resources=[vid], Tags=[{"Key": "k" * 127, "Value": "v" * 255}])
    ec2.create_tags(Resources=[vid], Tags=[{"Key": "ключ" * 31 + "клю", "Value": "значение"}])  # 127 characters
    assert volume_tags(ec2, vid) == {"k" * 127: "v" * 255, "ключ" * 31 + "клю": "значение"}
    expect_error(lambda: ec2.create_tags(Resources=[vid], Tags=[{"Key": "k" * 128, "Value": "v"}]), IPV, 400)
    expect_error(lambda: ec2.create_tags(Resources=[vid], Tags=[{"Key": "long", "Value": "v" * 257}]), IPV, 400)
    expect_error(lambda: ec2.create_tags(Resources=[vid], Tags=[{"Key": "aws:owner", "Value": "me"}]), IPV, 400)
    expect_error(lambda: ec2.create_tags(Resources=[vid], Tags=[{"Key": "", "Value": "v"}]), IPV, 400)
    # All or nothing: one bad tag, none is written.
    expect_error(lambda: ec2.create_tags(Resources=[vid], Tags=T(fine="yes", **{"aws:x": "no"})), IPV, 400)
    assert "fine" not in volume_tags(ec2, vid)
    expect_error(lambda: ec2.delete_tags(Resources=[vid], Tags=[{"Key": "aws:owner"}]), IPV, 400)
    # The same rules hold for TagSpecifications.
    expect_error(
        lambda: ec2.create_volume(AvailabilityZone="us-east-1a", Size=1, TagSpecifications=tag_spec("volume", {"aws:a": "b"})),
        IPV,
        400,
    )


def test_fifty_tags_per_resource(ec2):
    vid = new_volume(ec2, 1)
    ec2.create_tags(Resources=[vid], Tags=[{"Key": f"k{i}", "Value": str(i)} for i in range(45)])
    # 45 + 6 new keys = 51: refused as a whole.
    expect_error(
        lambda: ec2.create_tags(Resources=[vid], Tags=[{"Key": f"n{i}", "Value": "x"} for i in range(6)]),
        (IPV, "TagLimitExceeded"),
        400,
    )
    assert len(volume_tags(ec2, vid)) == 45
    # Overwriting existing keys doesn't count against the limit; reaching exactly 50 is fine.
    ec2.create_tags(Resources=[vid], Tags=[{"Key": f"k{i}", "Value": "new"} for i in range(45)]
                    + [{"Key": f"n{i}", "Value": "x"} for i in range(5)])
    tags = volume_tags(ec2, vid)
    assert len(tags) == 50 and tags["k0"] == "new"
    expect_error(lambda: ec2.create_tags(Resources=[vid], Tags=T(one="more")), (IPV, "TagLimitExceeded"), 400)
    # 51 tags in a single request.
    other = new_volume(ec2, 1)
    expect_error(
        lambda: ec2.create_tags(Resources=[other], Tags=[{"Key": f"k{i}", "Value": "v"} for i in range(51)]),
        (IPV, "TagLimitExceeded"),
        400,
    )
    assert volume_tags(ec2, other) == {}


def test_tag_errors(ec2):
    vid = new_volume(ec2, 1)
    expect_error(lambda: ec2.create_tags(Resources=[UNKNOWN_VOLUME], Tags=T(a="b")), "InvalidVolume.NotFound", 400)
    expect_error(lambda: ec2.create_tags(Resources=[UNKNOWN_SNAPSHOT], Tags=T(a="b")), "InvalidSnapshot.NotFound", 400)
    expect_error(lambda: ec2.create_tags(Resources=[UNKNOWN_INSTANCE], Tags=T(a="b")), "InvalidInstanceID.NotFound", 400)
    expect_error(lambda: ec2.create_tags(Resources=["banana-123"], Tags=T(a="b")), "InvalidID", 400)
    # All or nothing across resources: with one unknown, the known one is not tagged.
    expect_error(lambda: ec2.create_tags(Resources=[vid, UNKNOWN_VOLUME], Tags=T(a="b")), "InvalidVolume.NotFound", 400)
    assert volume_tags(ec2, vid) == {}
    expect_error(lambda: ec2.create_tags(Resources=[vid], Tags=T(a="b"), DryRun=True), "DryRunOperation", 412)
    assert volume_tags(ec2, vid) == {}
    expect_error(lambda: ec2.create_tags(Resources=[vid]), "MissingParameter", 400)
    expect_error(lambda: ec2.create_tags(Tags=T(a="b")), "MissingParameter", 400)
    expect_error(lambda: ec2.delete_tags(Resources=[UNKNOWN_VOLUME]), "InvalidVolume.NotFound", 400)
    # At most 1000 resources per call.
    expect_error(lambda: ec2.create_tags(Resources=[vid] * 1001, Tags=T(a="b")), "InvalidParameterValue", 400)
    expect_error(lambda: ec2.delete_tags(Resources=[vid] * 1001), "InvalidParameterValue", 400)
    ec2.create_tags(Resources=[vid] * 1000, Tags=T(a="b"))
    assert volume_tags(ec2, vid) == {"a": "b"}


@pytest.mark.parametrize(
    "rid", ["2014-10-21T13:34:24.000Z", "ami-12345678", "i-eCHmOTcEW0OZ9KbNe", "vol-123", "snap-0123456789ABCDEF0"]
)
def test_ids_that_are_not_usable_are_invalid_id(ec2, rid):
    vid = new_volume(ec2, 1)
    for call in (
        lambda: ec2.create_tags(Resources=[rid], Tags=T(a="b")),
        lambda: ec2.create_tags(Resources=[vid, rid], Tags=T(a="b")),
        lambda: ec2.delete_tags(Resources=[rid]),
        lambda: ec2.delete_tags(Resources=[rid], Tags=[{"Key": "a"}]),
    ):
        e = expect_error(call, "InvalidID", 400)
        assert e.response["Error"]["Message"] == f"The ID '{rid}' is not valid"
    assert volume_tags(ec2, vid) == {}


def test_describe_tags_paginator_over_three_pages(tenant):
    ec2 = tenant.ec2
    vid = new_volume(ec2, 1)
    sid = ec2.create_snapshot(VolumeId=vid)["SnapshotId"]
    ec2.create_tags(Resources=[vid], Tags=[{"Key": f"k{i:02}", "Value": "v"} for i in range(7)])
    ec2.create_tags(Resources=[sid], Tags=[{"Key": f"s{i:02}", "Value": "v"} for i in range(5)])
    pages = list(ec2.get_paginator("describe_tags").paginate(PaginationConfig={"PageSize": 5}))
    assert [len(p["Tags"]) for p in pages] == [5, 5, 2]
    seen = [(t["ResourceId"], t["Key"]) for p in pages for t in p["Tags"]]
    assert len(set(seen)) == 12
    assert sorted(seen) == sorted([(vid, f"k{i:02}") for i in range(7)] + [(sid, f"s{i:02}") for i in range(5)])
    expect_error(lambda: ec2.describe_tags(MaxResults=5, NextToken="forged"), "InvalidNextToken", 400)
