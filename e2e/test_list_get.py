"""ListSnapshotBlocks and GetSnapshotBlock."""

import datetime as dt

import pytest

from helpers import (
    BLOCK,
    TOKEN_RE,
    UNKNOWN_SNAPSHOT,
    ZERO_BLOCK,
    assert_snapshot_equals,
    b64sha,
    complete,
    expect_error,
    get_block,
    list_blocks,
    put,
    rand_block,
    small_block,
    start,
    text_block,
    tokens_of,
    upload,
)

VE = "ValidationException"
PAGED = {i * 3: small_block(50_000 + i) for i in range(250)}


@pytest.fixture(scope="module")
def paged(client):
    """A completed snapshot with 250 blocks (more than two minimum pages)."""
    return upload(client, PAGED, size=1)


def test_list_response_fields(client):
    blocks = {7: rand_block(51, 7), 2: rand_block(51, 2)}
    snap = upload(client, blocks, size=3)
    resp = client.list_snapshot_blocks(SnapshotId=snap)
    assert resp["VolumeSize"] == 3
    assert resp["BlockSize"] == BLOCK
    assert [b["BlockIndex"] for b in resp["Blocks"]] == [2, 7]
    for b in resp["Blocks"]:
        assert TOKEN_RE.match(b["BlockToken"]) and len(b["BlockToken"]) <= 256, b
    assert resp["ExpiryTime"] > dt.datetime.now(dt.timezone.utc)
    assert not resp.get("NextToken")
    assert_snapshot_equals(client, snap, blocks)


def test_get_block_exact_bytes_and_headers(client):
    data = rand_block(52, 0)
    snap = upload(client, {11: data})
    token = tokens_of(list_blocks(client, snap)[0])[11]
    resp = client.get_snapshot_block(SnapshotId=snap, BlockIndex=11, BlockToken=token)
    body = resp["BlockData"].read()
    assert body == data
    assert resp["DataLength"] == BLOCK
    assert resp["ChecksumAlgorithm"] == "SHA256"
    assert resp["Checksum"] == b64sha(data)


def test_pagination(client, paged):
    blocks, pages = list_blocks(client, paged, max_results=100)
    assert all(len(p["Blocks"]) <= 100 for p in pages)
    assert len(pages) >= 3  # 250 blocks cannot fit in two pages of 100
    assert [b["BlockIndex"] for b in blocks] == sorted(PAGED)
    for p in pages[:-1]:
        assert TOKEN_RE.match(p["NextToken"]) and len(p["NextToken"]) <= 256
    assert not pages[-1].get("NextToken")
    # One big page.
    big, big_pages = list_blocks(client, paged, max_results=10000)
    assert len(big_pages) == 1 and [b["BlockIndex"] for b in big] == sorted(PAGED)
    # Default page size also lists everything, whatever the page count.
    dflt, _ = list_blocks(client, paged)
    assert [b["BlockIndex"] for b in dflt] == sorted(PAGED)
    # Tokens from different pages all read back.
    for b in (blocks[0], blocks[150], blocks[-1]):
        assert get_block(client, paged, b["BlockIndex"], b["BlockToken"]) == PAGED[b["BlockIndex"]]


def test_starting_block_index(client, paged):
    blocks, _ = list_blocks(client, paged, StartingBlockIndex=301)
    assert [b["BlockIndex"] for b in blocks] == [i for i in sorted(PAGED) if i >= 301]
    blocks, _ = list_blocks(client, paged, StartingBlockIndex=300, max_results=100)
    assert [b["BlockIndex"] for b in blocks] == [i for i in sorted(PAGED) if i >= 300]
    blocks, _ = list_blocks(client, paged, StartingBlockIndex=2047)
    assert blocks == []


@pytest.mark.parametrize("n", [99, 0, 10001])
def test_max_results_out_of_range(client, paged, n):
    expect_error(lambda: client.list_snapshot_blocks(SnapshotId=paged, MaxResults=n), VE, 400)


def test_forged_page_tokens(client, paged):
    first = client.list_snapshot_blocks(SnapshotId=paged, MaxResults=100)
    token = first["NextToken"]
    flipped = ("A" if token[0] != "A" else "B") + token[1:]
    mid = len(token) // 2
    flipped_mid = token[:mid] + ("A" if token[mid] != "A" else "B") + token[mid + 1 :]
    for forged in ("AAAA", flipped, flipped_mid, token[:-4] or "AAAA"):
        if forged == token:
            continue
        expect_error(
            lambda: client.list_snapshot_blocks(SnapshotId=paged, MaxResults=100, NextToken=forged),
            VE, 400, reason="INVALID_PAGE_TOKEN",
        )
    # A token is bound to its listing: not valid for another snapshot.
    other = upload(client, {i * 3: small_block(60_000 + i) for i in range(120)})
    expect_error(
        lambda: client.list_snapshot_blocks(SnapshotId=other, MaxResults=100, NextToken=token),
        VE, 400, reason="INVALID_PAGE_TOKEN",
    )
    # The genuine token still works.
    second = client.list_snapshot_blocks(SnapshotId=paged, MaxResults=100, NextToken=token)
    assert second["Blocks"][0]["BlockIndex"] > first["Blocks"][-1]["BlockIndex"]


def test_block_tokens_are_bound(client):
    a = upload(client, {0: rand_block(53, 0), 1: rand_block(53, 1)})
    b = upload(client, {0: rand_block(54, 0)})
    ta = tokens_of(list_blocks(client, a)[0])
    tb = tokens_of(list_blocks(client, b)[0])
    bad = "INVALID_BLOCK_TOKEN"
    # Token of another block of the same snapshot.
    expect_error(lambda: client.get_snapshot_block(SnapshotId=a, BlockIndex=0, BlockToken=ta[1]), VE, 400, reason=bad)
    # Token of the same index in another snapshot.
    expect_error(lambda: client.get_snapshot_block(SnapshotId=a, BlockIndex=0, BlockToken=tb[0]), VE, 400, reason=bad)
    expect_error(lambda: client.get_snapshot_block(SnapshotId=b, BlockIndex=0, BlockToken=ta[0]), VE, 400, reason=bad)
    # Forged and modified tokens.
    t = ta[0]
    mid = len(t) // 2
    modified = t[:mid] + ("A" if t[mid] != "A" else "B") + t[mid + 1 :]
    for forged in ("AAAA", modified, t[:-4] or "AAAA"):
        expect_error(lambda: client.get_snapshot_block(SnapshotId=a, BlockIndex=0, BlockToken=forged), VE, 400, reason=bad)
    # Index outside the snapshot's blocks with an otherwise valid token.
    expect_error(lambda: client.get_snapshot_block(SnapshotId=a, BlockIndex=5, BlockToken=t), VE, 400)
    # The genuine ones still work.
    assert get_block(client, a, 0, ta[0]) == rand_block(53, 0)
    assert get_block(client, b, 0, tb[0]) == rand_block(54, 0)


def test_get_unknown_snapshot(client):
    expect_error(
        lambda: client.get_snapshot_block(SnapshotId=UNKNOWN_SNAPSHOT, BlockIndex=0, BlockToken="AAAA"),
        "ResourceNotFoundException", 404, reason="SNAPSHOT_NOT_FOUND",
    )
    expect_error(
        lambda: client.list_snapshot_blocks(SnapshotId=UNKNOWN_SNAPSHOT),
        "ResourceNotFoundException", 404, reason="SNAPSHOT_NOT_FOUND",
    )


def test_child_lists_parent_blocks(client):
    parent_blocks = {0: rand_block(55, 0), 1: rand_block(55, 1), 2: text_block(55, 2), 9: rand_block(55, 9)}
    parent = upload(client, parent_blocks)
    child_written = {1: rand_block(55, 101), 5: rand_block(55, 105)}
    child = upload(client, child_written, parent=parent)
    expected = {**parent_blocks, **child_written}
    assert_snapshot_equals(client, child, expected)
    assert_snapshot_equals(client, parent, parent_blocks)
    # The child's token for an overwritten index reads the child's data, the
    # parent's token the parent's data.
    tc = tokens_of(list_blocks(client, child)[0])
    tp = tokens_of(list_blocks(client, parent)[0])
    assert get_block(client, child, 1, tc[1]) == child_written[1]
    assert get_block(client, parent, 1, tp[1]) == parent_blocks[1]


def test_child_pagination_merges_parent_and_child(client):
    parent_blocks = {i: small_block(61_000 + i) for i in range(0, 300, 2)}  # 150 even indexes
    parent = upload(client, parent_blocks)
    child_written = {i: small_block(62_000 + i) for i in range(1, 200, 2)}  # 100 odd indexes
    child_written.update({i: small_block(63_000 + i) for i in range(100, 140, 2)})  # 20 evens overwritten
    child = upload(client, child_written, parent=parent)
    expected = {**parent_blocks, **child_written}
    blocks, pages = list_blocks(client, child, max_results=100)
    assert len(pages) >= 3
    assert [b["BlockIndex"] for b in blocks] == sorted(expected)
    tok = tokens_of(blocks)
    for i in (0, 1, 98, 100, 101, 138, 140, 199, 298):
        assert get_block(client, child, i, tok[i]) == expected[i], i
    # Starting in the middle of the merged listing.
    tail, _ = list_blocks(client, child, max_results=100, StartingBlockIndex=139)
    assert [b["BlockIndex"] for b in tail] == [i for i in sorted(expected) if i >= 139]


def test_zero_block_is_listed_and_reads_zero(client):
    blocks = {3: ZERO_BLOCK, 4: rand_block(56, 4)}
    snap = upload(client, blocks)
    listed = tokens_of(list_blocks(client, snap)[0])
    assert sorted(listed) == [3, 4]
    assert get_block(client, snap, 3, listed[3]) == ZERO_BLOCK


def test_zero_block_hides_parent_block(client):
    parent_blocks = {3: rand_block(57, 3), 4: rand_block(57, 4)}
    parent = upload(client, parent_blocks)
    child = upload(client, {3: ZERO_BLOCK}, parent=parent)
    assert_snapshot_equals(client, child, {3: ZERO_BLOCK, 4: parent_blocks[4]})
    # Grandchild over the zero block still sees zeros; then real data again.
    grand = upload(client, {4: rand_block(57, 44)}, parent=child)
    assert_snapshot_equals(client, grand, {3: ZERO_BLOCK, 4: rand_block(57, 44)})
    great = upload(client, {3: rand_block(57, 33)}, parent=grand)
    assert_snapshot_equals(client, great, {3: rand_block(57, 33), 4: rand_block(57, 44)})
    assert_snapshot_equals(client, parent, parent_blocks)


def test_same_content_in_two_snapshots(client):
    # Stored once (dedup) but both read back, and tokens stay per snapshot.
    data = rand_block(58, 0)
    a = upload(client, {0: data, 1: data})
    b = upload(client, {7: data})
    assert_snapshot_equals(client, a, {0: data, 1: data})
    assert_snapshot_equals(client, b, {7: data})


def test_list_pending_snapshot_does_not_show_blocks_as_completed(client):
    # A pending snapshot is either not listable yet or lists what was written;
    # it must never list blocks it did not get.
    snap = start(client, 1)["SnapshotId"]
    put(client, snap, 2, rand_block(59, 2))
    try:
        blocks, _ = list_blocks(client, snap)
    except Exception as e:  # botocore ClientError
        assert getattr(e, "response", {}).get("Error", {}).get("Code") == VE, e
    else:
        assert [b["BlockIndex"] for b in blocks] in ([], [2])
    complete(client, snap, 1)


def test_block_tokens_expire(server_factory):
    """A token works until its ExpiryTime and is refused after it; a fresh
    listing hands out working tokens again."""
    srv = server_factory("expiry", clock_offset=True)
    c = srv.client()
    data = rand_block(64, 0)
    snap = upload(c, {0: data})
    listing = c.list_snapshot_blocks(SnapshotId=snap)
    token = listing["Blocks"][0]["BlockToken"]
    lifetime = (listing["ExpiryTime"] - dt.datetime.now(dt.timezone.utc)).total_seconds()
    assert lifetime > 60, f"block tokens expire after only {lifetime:.0f}s"
    srv.set_clock_offset(lifetime - 60)
    assert get_block(c, snap, 0, token) == data
    srv.set_clock_offset(lifetime + 120)
    expect_error(
        lambda: c.get_snapshot_block(SnapshotId=snap, BlockIndex=0, BlockToken=token),
        VE, 400, reason="INVALID_BLOCK_TOKEN",
    )
    fresh = c.list_snapshot_blocks(SnapshotId=snap)["Blocks"][0]["BlockToken"]
    assert get_block(c, snap, 0, fresh) == data
