"""ListChangedBlocks."""

import datetime as dt

import pytest

from helpers import (
    BLOCK,
    TOKEN_RE,
    UNKNOWN_SNAPSHOT,
    ZERO_BLOCK,
    expect_error,
    get_block,
    list_changed,
    rand_block,
    small_block,
    text_block,
    upload,
)

VE = "ValidationException"

P = {0: rand_block(70, 0), 1: rand_block(70, 1), 2: rand_block(70, 2), 5: text_block(70, 5), 7: rand_block(70, 7)}
# Child: 1 rewritten, 2 rewritten with identical content, 3 new, 5 zeroed.
C = {1: rand_block(71, 1), 2: P[2], 3: rand_block(71, 3), 5: ZERO_BLOCK}
G = {0: rand_block(72, 0)}  # grandchild
S = {7: rand_block(73, 7)}  # sibling of the child


@pytest.fixture(scope="module")
def lineage(client):
    parent = upload(client, P)
    child = upload(client, C, parent=parent)
    grand = upload(client, G, parent=child)
    sibling = upload(client, S, parent=parent)
    return dict(parent=parent, child=child, grand=grand, sibling=sibling)


def _by_index(changed):
    idxs = [c["BlockIndex"] for c in changed]
    assert idxs == sorted(idxs) and len(idxs) == len(set(idxs)), idxs
    return {c["BlockIndex"]: c for c in changed}


def test_changed_between_parent_and_child(client, lineage):
    changed, pages = list_changed(client, lineage["parent"], lineage["child"])
    by = _by_index(changed)
    assert sorted(by) == [1, 3, 5]  # 2 is identical, 0 and 7 untouched
    page = pages[0]
    assert page["BlockSize"] == BLOCK and page["VolumeSize"] == 1
    assert page["ExpiryTime"] > dt.datetime.now(dt.timezone.utc)
    assert "FirstBlockToken" not in by[3]  # the parent has no block 3
    for idx in (1, 5):
        assert TOKEN_RE.match(by[idx]["FirstBlockToken"])
    for idx in (1, 3, 5):
        assert TOKEN_RE.match(by[idx]["SecondBlockToken"])
    # The tokens read the right side's data.
    for idx in (1, 5):
        assert get_block(client, lineage["parent"], idx, by[idx]["FirstBlockToken"]) == P[idx]
    for idx in (1, 3, 5):
        assert get_block(client, lineage["child"], idx, by[idx]["SecondBlockToken"]) == C[idx]


def test_changed_across_generations(client, lineage):
    by = _by_index(list_changed(client, lineage["parent"], lineage["grand"])[0])
    assert sorted(by) == [0, 1, 3, 5]
    assert get_block(client, lineage["grand"], 0, by[0]["SecondBlockToken"]) == G[0]
    assert get_block(client, lineage["parent"], 0, by[0]["FirstBlockToken"]) == P[0]
    assert get_block(client, lineage["grand"], 1, by[1]["SecondBlockToken"]) == C[1]
    by = _by_index(list_changed(client, lineage["child"], lineage["grand"])[0])
    assert sorted(by) == [0]


def test_changed_between_siblings(client, lineage):
    by = _by_index(list_changed(client, lineage["child"], lineage["sibling"])[0])
    # child changed 1, 3, 5; sibling changed 7
    assert sorted(by) == [1, 3, 5, 7]
    assert get_block(client, lineage["sibling"], 7, by[7]["SecondBlockToken"]) == S[7]
    assert get_block(client, lineage["child"], 7, by[7]["FirstBlockToken"]) == P[7]
    assert "SecondBlockToken" not in by[3] or by[3].get("SecondBlockToken") is None


def test_changed_with_itself_is_empty(client, lineage):
    assert list_changed(client, lineage["child"], lineage["child"])[0] == []


def test_changed_starting_block_index(client, lineage):
    by = _by_index(list_changed(client, lineage["parent"], lineage["grand"], StartingBlockIndex=2)[0])
    assert sorted(by) == [3, 5]


def test_unrelated_snapshots(client, lineage):
    stranger = upload(client, {1: rand_block(74, 1)})
    expect_error(
        lambda: client.list_changed_blocks(FirstSnapshotId=lineage["parent"], SecondSnapshotId=stranger),
        VE, 400, reason="UNRELATED_SNAPSHOTS",
    )


def test_first_snapshot_id_required(client, lineage):
    expect_error(lambda: client.list_changed_blocks(SecondSnapshotId=lineage["child"]), VE, 400)


def test_changed_unknown_snapshots(client, lineage):
    nf = "ResourceNotFoundException"
    expect_error(lambda: client.list_changed_blocks(FirstSnapshotId=lineage["parent"], SecondSnapshotId=UNKNOWN_SNAPSHOT), nf, 404)
    expect_error(lambda: client.list_changed_blocks(FirstSnapshotId=UNKNOWN_SNAPSHOT, SecondSnapshotId=lineage["child"]), nf, 404)


@pytest.mark.parametrize("n", [99, 10001])
def test_changed_max_results_out_of_range(client, lineage, n):
    expect_error(
        lambda: client.list_changed_blocks(FirstSnapshotId=lineage["parent"], SecondSnapshotId=lineage["child"], MaxResults=n),
        VE, 400,
    )


def test_changed_pagination_and_page_tokens(client):
    base = {i: small_block(80_000 + i) for i in range(0, 320, 2)}  # 160 blocks
    parent = upload(client, base)
    # Child: rewrite 80 of them, add 60 new, leave 80 alone.
    rewritten = {i: small_block(90_000 + i) for i in range(0, 160, 2)}
    added = {i: small_block(95_000 + i) for i in range(601, 721, 2)}
    child = upload(client, {**rewritten, **added}, parent=parent)
    changed, pages = list_changed(client, parent, child, max_results=100)
    assert len(pages) >= 2 and all(len(p["ChangedBlocks"]) <= 100 for p in pages)
    by = _by_index(changed)
    assert sorted(by) == sorted({**rewritten, **added})
    for i in list(rewritten)[:3] + list(rewritten)[-2:]:
        assert get_block(client, child, i, by[i]["SecondBlockToken"]) == rewritten[i]
        assert get_block(client, parent, i, by[i]["FirstBlockToken"]) == base[i]
    for i in list(added)[:2] + list(added)[-2:]:
        assert "FirstBlockToken" not in by[i]
        assert get_block(client, child, i, by[i]["SecondBlockToken"]) == added[i]

    token = pages[0]["NextToken"]
    mid = len(token) // 2
    forged = token[:mid] + ("A" if token[mid] != "A" else "B") + token[mid + 1 :]
    for bad in ("AAAA", forged):
        expect_error(
            lambda: client.list_changed_blocks(FirstSnapshotId=parent, SecondSnapshotId=child, MaxResults=100, NextToken=bad),
            VE, 400, reason="INVALID_PAGE_TOKEN",
        )
