"""Accounts: createVolumePermission between two accounts (Modify/Describe/Reset
SnapshotAttribute), what a shared snapshot allows the other account, and isolation of
volumes, snapshots, instances and tags."""

import pytest

from helpers import (
    assert_snapshot_equals,
    expect_error,
    new_volume,
    rand_block,
    tags_of,
    upload,
    wait_snapshots,
)

AMI = "ami-0abcdef1234567890"
CVP = "createVolumePermission"


@pytest.fixture
def pair(server):
    """Two fresh accounts A and B; A owns a completed snapshot with blocks."""
    a, b = server.tenant(), server.tenant()
    blocks = {i: rand_block(601, i) for i in (0, 9, 1024)}
    sid = upload(a.ebs, blocks, size=1, Description="A's")
    return a, b, sid, blocks


def permissions(ec2, sid) -> list[str]:
    resp = ec2.describe_snapshot_attribute(SnapshotId=sid, Attribute=CVP)
    assert resp["SnapshotId"] == sid
    return sorted(p["UserId"] for p in resp.get("CreateVolumePermissions", []))


def visible_to(ec2, sid) -> bool:
    return sid in [s["SnapshotId"] for s in ec2.describe_snapshots()["Snapshots"]]


def test_share_with_another_account_then_reset(pair):
    a, b, sid, blocks = pair
    # Before: B can neither see nor use A's snapshot.
    assert permissions(a.ec2, sid) == []
    assert not visible_to(b.ec2, sid)
    expect_error(lambda: b.ec2.describe_snapshots(SnapshotIds=[sid]), "InvalidSnapshot.NotFound", 400)
    expect_error(lambda: b.ec2.create_volume(AvailabilityZone="us-east-1a", SnapshotId=sid), "InvalidSnapshot.NotFound", 400)

    expect_error(
        lambda: a.ec2.modify_snapshot_attribute(
            SnapshotId=sid, Attribute=CVP, OperationType="add", UserIds=[b.id], DryRun=True),
        "DryRunOperation", 412,
    )
    assert permissions(a.ec2, sid) == []

    a.ec2.modify_snapshot_attribute(SnapshotId=sid, Attribute=CVP, OperationType="add", UserIds=[b.id])
    assert permissions(a.ec2, sid) == [b.id]

    # Shared: B describes it (owned by A) and creates a volume from it with A's bytes.
    [seen] = b.ec2.describe_snapshots(SnapshotIds=[sid])["Snapshots"]
    assert seen["OwnerId"] == a.id and seen["State"] == "completed" and seen["VolumeSize"] == 1
    assert visible_to(b.ec2, sid)
    assert sid in [s["SnapshotId"] for s in b.ec2.describe_snapshots(OwnerIds=[a.id])["Snapshots"]]
    assert sid not in [s["SnapshotId"] for s in b.ec2.describe_snapshots(OwnerIds=["self"])["Snapshots"]]
    assert sid in [s["SnapshotId"] for s in b.ec2.describe_snapshots(RestorableByUserIds=["self"])["Snapshots"]]
    vid = new_volume(b.ec2, None, SnapshotId=sid)
    vol = b.ec2.describe_volumes(VolumeIds=[vid])["Volumes"][0]
    assert vol["SnapshotId"] == sid and vol["Size"] == 1
    b_snap = b.ec2.create_snapshot(VolumeId=vid)["SnapshotId"]
    [b_done] = wait_snapshots(b.ec2, [b_snap])
    assert b_done["OwnerId"] == b.id
    assert_snapshot_equals(b.ebs, b_snap, blocks)
    # The volume is B's alone.
    expect_error(lambda: a.ec2.describe_volumes(VolumeIds=[vid]), "InvalidVolume.NotFound", 400)

    # Reset: private again; B's volume and its snapshot stay B's.
    a.ec2.reset_snapshot_attribute(SnapshotId=sid, Attribute=CVP)
    assert permissions(a.ec2, sid) == []
    assert not visible_to(b.ec2, sid)
    expect_error(lambda: b.ec2.describe_snapshots(SnapshotIds=[sid]), "InvalidSnapshot.NotFound", 400)
    expect_error(lambda: b.ec2.create_volume(AvailabilityZone="us-east-1a", SnapshotId=sid), "InvalidSnapshot.NotFound", 400)
    assert b.ec2.describe_volumes(VolumeIds=[vid])["Volumes"][0]["VolumeId"] == vid
    assert_snapshot_equals(b.ebs, b_snap, blocks)


def test_remove_permission_and_the_structured_form(pair, server):
    a, b, sid, _ = pair
    c = server.tenant()
    a.ec2.modify_snapshot_attribute(
        SnapshotId=sid, Attribute=CVP, CreateVolumePermission={"Add": [{"UserId": b.id}, {"UserId": c.id}]}
    )
    assert permissions(a.ec2, sid) == sorted([b.id, c.id])
    assert visible_to(b.ec2, sid) and visible_to(c.ec2, sid)
    # Adding twice is harmless.
    a.ec2.modify_snapshot_attribute(SnapshotId=sid, Attribute=CVP, OperationType="add", UserIds=[b.id])
    assert permissions(a.ec2, sid) == sorted([b.id, c.id])
    a.ec2.modify_snapshot_attribute(SnapshotId=sid, Attribute=CVP, CreateVolumePermission={"Remove": [{"UserId": b.id}]})
    assert permissions(a.ec2, sid) == [c.id]
    assert not visible_to(b.ec2, sid) and visible_to(c.ec2, sid)
    a.ec2.modify_snapshot_attribute(SnapshotId=sid, Attribute=CVP, OperationType="remove", UserIds=[c.id])
    assert permissions(a.ec2, sid) == []
    assert not visible_to(c.ec2, sid)


def test_restorable_by_user_ids(pair):
    a, b, shared, _ = pair
    private = upload(a.ebs, {0: rand_block(602, 0)}, size=1)
    a.ec2.modify_snapshot_attribute(SnapshotId=shared, Attribute=CVP, OperationType="add", UserIds=[b.id])
    got = [s["SnapshotId"] for s in a.ec2.describe_snapshots(OwnerIds=["self"], RestorableByUserIds=[b.id])["Snapshots"]]
    assert shared in got and private not in got
    got = [s["SnapshotId"] for s in b.ec2.describe_snapshots(RestorableByUserIds=["self"])["Snapshots"]]
    assert shared in got and private not in got


def test_permission_errors(pair):
    a, b, sid, _ = pair
    expect_error(
        lambda: a.ec2.modify_snapshot_attribute(SnapshotId=sid, Attribute=CVP, OperationType="add", UserIds=["12345"]),
        "InvalidUserID.Malformed", 400,
    )
    expect_error(
        lambda: a.ec2.modify_snapshot_attribute(SnapshotId=sid, Attribute="productCodes", OperationType="add",
                                                UserIds=[b.id]),
        "InvalidParameterValue", 400,
    )
    expect_error(
        lambda: a.ec2.describe_snapshot_attribute(SnapshotId=sid, Attribute="colour"), "InvalidParameterValue", 400
    )
    expect_error(lambda: a.ec2.reset_snapshot_attribute(SnapshotId=sid, Attribute="colour"), "InvalidParameterValue", 400)
    # Another account can't change permissions on, or even see the attribute of, a snapshot it doesn't own.
    expect_error(
        lambda: b.ec2.modify_snapshot_attribute(SnapshotId=sid, Attribute=CVP, OperationType="add", UserIds=[b.id]),
        "InvalidSnapshot.NotFound", 400,
    )
    message = expect_error(
        lambda: a.ec2.modify_snapshot_attribute(SnapshotId=sid, Attribute=CVP, OperationType="add", GroupNames=["foo"]),
        "InvalidParameterValue", 400,
    ).response["Error"]["Message"]
    assert "foo" in message, message
    assert permissions(a.ec2, sid) == []


def test_adding_and_removing_in_one_call_is_refused_and_changes_nothing(pair, server):
    """ModifySnapshotAttribute adds or removes, never both at once (AWS model)."""
    a, b, sid, _ = pair
    c = server.tenant()
    a.ec2.modify_snapshot_attribute(SnapshotId=sid, Attribute=CVP, OperationType="add", UserIds=[b.id])
    both = [
        dict(CreateVolumePermission={"Add": [{"UserId": c.id}], "Remove": [{"UserId": b.id}]}),
        dict(OperationType="add", UserIds=[c.id], CreateVolumePermission={"Remove": [{"UserId": b.id}]}),
        dict(OperationType="remove", UserIds=[b.id], CreateVolumePermission={"Add": [{"UserId": c.id}]}),
    ]
    for params in both:
        e = expect_error(lambda: a.ec2.modify_snapshot_attribute(SnapshotId=sid, Attribute=CVP, **params),
                         "InvalidParameterCombination", 400)
        assert "cannot do both" in e.response["Error"]["Message"]
        assert permissions(a.ec2, sid) == [b.id]
    # DryRun does not hide the refusal.
    expect_error(lambda: a.ec2.modify_snapshot_attribute(SnapshotId=sid, Attribute=CVP, DryRun=True, **both[0]),
                 "InvalidParameterCombination", 400)
    assert visible_to(b.ec2, sid) and not visible_to(c.ec2, sid)


def test_more_than_500_modifications_are_refused(pair):
    a, b, sid, _ = pair
    many = [f"{100000000000 + i}" for i in range(500)] + [b.id]
    for params in (dict(OperationType="add", UserIds=many),
                   dict(CreateVolumePermission={"Add": [{"UserId": u} for u in many]}),
                   dict(OperationType="remove", UserIds=many)):
        e = expect_error(lambda: a.ec2.modify_snapshot_attribute(SnapshotId=sid, Attribute=CVP, **params),
                         "InvalidParameterValue", 400)
        assert "500" in e.response["Error"]["Message"]
        assert permissions(a.ec2, sid) == []
    # 500 is still allowed (here: unknown ids, refused one by one as before).
    expect_error(lambda: a.ec2.modify_snapshot_attribute(SnapshotId=sid, Attribute=CVP, OperationType="add",
                                                         UserIds=many[:500]), "InvalidUserID.Malformed", 400)
    a.ec2.modify_snapshot_attribute(SnapshotId=sid, Attribute=CVP, OperationType="add", UserIds=[b.id] * 500)
    assert permissions(a.ec2, sid) == [b.id]


def test_shared_snapshot_is_not_the_other_accounts_to_change(pair):
    a, b, sid, _ = pair
    a.ec2.modify_snapshot_attribute(SnapshotId=sid, Attribute=CVP, OperationType="add", UserIds=[b.id])
    expect_error(lambda: b.ec2.delete_snapshot(SnapshotId=sid), "UnauthorizedOperation", 403)
    expect_error(lambda: b.ec2.delete_snapshot(SnapshotId=sid, DryRun=True), "UnauthorizedOperation", 403)
    expect_error(
        lambda: b.ec2.modify_snapshot_attribute(SnapshotId=sid, Attribute=CVP, OperationType="remove", UserIds=[b.id]),
        "UnauthorizedOperation", 403,
    )
    expect_error(lambda: b.ec2.create_tags(Resources=[sid], Tags=[{"Key": "mine", "Value": "no"}]),
                 ("UnauthorizedOperation", "InvalidSnapshot.NotFound"))
    assert a.ec2.describe_snapshots(SnapshotIds=[sid])["Snapshots"][0]["SnapshotId"] == sid
    assert tags_of(a.ec2.describe_snapshots(SnapshotIds=[sid])["Snapshots"][0]) == {}
    assert permissions(a.ec2, sid) == [b.id]
    # B may copy it into its own account.
    copy = b.ec2.copy_snapshot(SourceSnapshotId=sid, SourceRegion="us-east-1")["SnapshotId"]
    [done] = wait_snapshots(b.ec2, [copy])
    assert done["OwnerId"] == b.id


def test_the_owners_tags_are_not_shown_to_the_account_it_shares_with(pair):
    a, b, sid, _ = pair
    a.ec2.create_tags(Resources=[sid], Tags=[{"Key": "secret", "Value": "a-only"}])
    a.ec2.modify_snapshot_attribute(SnapshotId=sid, Attribute=CVP, OperationType="add", UserIds=[b.id])

    def listed(ec2, **kw):
        # A paginated walk without filters: the path that reuses rendered snapshots.
        pages = ec2.get_paginator("describe_snapshots").paginate(PaginationConfig={"PageSize": 5}, **kw)
        return {s["SnapshotId"]: s for page in pages for s in page["Snapshots"]}

    for _ in range(2):  # each view twice, interleaved: neither is served the other's
        assert tags_of(listed(a.ec2)[sid]) == {"secret": "a-only"}
        assert tags_of(listed(b.ec2)[sid]) == {}
        assert tags_of(b.ec2.describe_snapshots(SnapshotIds=[sid])["Snapshots"][0]) == {}
        assert tags_of(a.ec2.describe_snapshots(SnapshotIds=[sid])["Snapshots"][0]) == {"secret": "a-only"}
    tag_filter = [{"Name": "tag:secret", "Values": ["a-only"]}]
    assert b.ec2.describe_snapshots(Filters=tag_filter)["Snapshots"] == []
    assert b.ec2.describe_snapshots(Filters=[{"Name": "tag-key", "Values": ["secret"]}])["Snapshots"] == []
    assert [s["SnapshotId"] for s in a.ec2.describe_snapshots(Filters=tag_filter)["Snapshots"]] == [sid]
    assert b.ec2.describe_tags(Filters=[{"Name": "resource-id", "Values": [sid]}])["Tags"] == []


def test_accounts_are_isolated(server):
    a, b = server.tenant(), server.tenant()
    inst = a.ec2.run_instances(ImageId=AMI, MinCount=1, MaxCount=1)["Instances"][0]
    iid = inst["InstanceId"]
    root = inst["BlockDeviceMappings"][0]["Ebs"]["VolumeId"]
    vid = new_volume(a.ec2, 1)
    [snap] = wait_snapshots(a.ec2, [a.ec2.create_snapshot(VolumeId=vid)["SnapshotId"]])
    sid = snap["SnapshotId"]
    a.ec2.create_tags(Resources=[vid, sid, iid], Tags=[{"Key": "owner", "Value": "a"}])

    # B's listings are empty.
    assert b.ec2.describe_volumes()["Volumes"] == []
    assert b.ec2.describe_snapshots()["Snapshots"] == []
    assert b.ec2.describe_snapshots(OwnerIds=[a.id])["Snapshots"] == []
    assert b.ec2.describe_instances()["Reservations"] == []
    assert b.ec2.describe_tags()["Tags"] == []
    # By id, A's resources don't exist for B.
    expect_error(lambda: b.ec2.describe_volumes(VolumeIds=[vid]), "InvalidVolume.NotFound", 400)
    expect_error(lambda: b.ec2.describe_snapshots(SnapshotIds=[sid]), "InvalidSnapshot.NotFound", 400)
    expect_error(lambda: b.ec2.describe_instances(InstanceIds=[iid]), "InvalidInstanceID.NotFound", 400)
    expect_error(lambda: b.ec2.delete_volume(VolumeId=vid), "InvalidVolume.NotFound", 400)
    expect_error(lambda: b.ec2.modify_volume(VolumeId=vid, Size=5), "InvalidVolume.NotFound", 400)
    expect_error(lambda: b.ec2.create_snapshot(VolumeId=vid), "InvalidVolume.NotFound", 400)
    expect_error(lambda: b.ec2.delete_snapshot(SnapshotId=sid), "InvalidSnapshot.NotFound", 400)
    expect_error(lambda: b.ec2.copy_snapshot(SourceSnapshotId=sid, SourceRegion="us-east-1"), "InvalidSnapshot.NotFound", 400)
    expect_error(lambda: b.ec2.create_volume(AvailabilityZone="us-east-1a", SnapshotId=sid), "InvalidSnapshot.NotFound", 400)
    expect_error(lambda: b.ec2.terminate_instances(InstanceIds=[iid]), "InvalidInstanceID.NotFound", 400)
    expect_error(lambda: b.ec2.stop_instances(InstanceIds=[iid]), "InvalidInstanceID.NotFound", 400)
    expect_error(lambda: b.ec2.detach_volume(VolumeId=root), "InvalidVolume.NotFound", 400)
    expect_error(lambda: b.ec2.create_snapshots(InstanceSpecification={"InstanceId": iid}), "InvalidInstanceID.NotFound", 400)
    expect_error(lambda: b.ec2.create_tags(Resources=[vid], Tags=[{"Key": "x", "Value": "y"}]), "InvalidVolume.NotFound", 400)
    expect_error(lambda: b.ec2.delete_tags(Resources=[sid]), "InvalidSnapshot.NotFound", 400)
    # B's own instance can't take A's volume.
    b_inst = b.ec2.run_instances(ImageId=AMI, MinCount=1, MaxCount=1,
                                 Placement={"AvailabilityZone": "us-east-1a"})["Instances"][0]["InstanceId"]
    expect_error(lambda: b.ec2.attach_volume(VolumeId=vid, InstanceId=b_inst, Device="/dev/sdf"), "InvalidVolume.NotFound", 400)
    # Nor through the EBS direct APIs.
    expect_error(lambda: b.ebs.list_snapshot_blocks(SnapshotId=sid), "ResourceNotFoundException", 404)

    # A's resources are untouched.
    assert a.ec2.describe_volumes(VolumeIds=[vid])["Volumes"][0]["State"] == "available"
    assert a.ec2.describe_instances(InstanceIds=[iid])["Reservations"][0]["Instances"][0]["State"]["Name"] == "running"
    assert sorted(t["ResourceId"] for t in a.ec2.describe_tags()["Tags"]) == sorted([vid, sid, iid])
    assert [v["VolumeId"] for v in b.ec2.describe_volumes()["Volumes"]] != []  # B's root volume only
    assert vid not in [v["VolumeId"] for v in b.ec2.describe_volumes()["Volumes"]]


def test_ebs_direct_apis_on_a_snapshot_shared_with_the_caller(pair):
    """A snapshot shared with B (createVolumePermission) is visible to B but not B's to read or
    extend through the EBS direct APIs: AccessDeniedException / UNAUTHORIZED_ACCOUNT (403), where
    an unshared one is not found (404). Reset, it is not found again; A's data is untouched."""
    a, b, sid, blocks = pair
    token = a.ebs.list_snapshot_blocks(SnapshotId=sid)["Blocks"][0]["BlockToken"]
    calls = {
        "list": lambda: b.ebs.list_snapshot_blocks(SnapshotId=sid),
        "changed": lambda: b.ebs.list_changed_blocks(FirstSnapshotId=sid, SecondSnapshotId=sid),
        "get": lambda: b.ebs.get_snapshot_block(SnapshotId=sid, BlockIndex=0, BlockToken=token),
        "parent": lambda: b.ebs.start_snapshot(VolumeSize=1, ParentSnapshotId=sid),
    }
    for call in calls.values():
        expect_error(call, "ResourceNotFoundException", 404, reason="SNAPSHOT_NOT_FOUND")
    a.ec2.modify_snapshot_attribute(SnapshotId=sid, Attribute=CVP, OperationType="add", UserIds=[b.id])
    assert visible_to(b.ec2, sid)
    for name, call in calls.items():
        e = expect_error(call, "AccessDeniedException", 403, reason="UNAUTHORIZED_ACCOUNT")
        assert sid in e.response["Error"]["Message"], name
    a.ec2.reset_snapshot_attribute(SnapshotId=sid, Attribute=CVP)
    expect_error(calls["list"], "ResourceNotFoundException", 404)
    assert_snapshot_equals(a.ebs, sid, blocks)
