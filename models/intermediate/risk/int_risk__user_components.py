"""Connected components of the identity graph, computed with SciPy.

SciPy's `connected_components` is a compiled union-find over a sparse matrix: exact, linear in the
number of edges and the reference the grouping step is benchmarked against, so running it inside
the warehouse (a dbt Python model runs in-process on DuckDB) is clearly better than iterating label
propagation in SQL. Users and identifiers are both nodes; an edge links a user to an identifier.
Components of var group_split_min_users users or more are split again on strong identifiers only.
A seller whom three or more members of one component pay, with at least half of those members'
purchases, is that component's collector and joins it (a farm's members each pay the collector
once, so no single trade links them).
"""

import numpy as np
import pyarrow as pa
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components


def component_labels(user_index, identifier_index, n_users, n_identifiers, keep):
    """Component label per user, over the edges selected by `keep`."""
    n_nodes = n_users + n_identifiers
    adjacency = coo_matrix(
        (
            np.ones(int(keep.sum()), dtype=np.int8),
            (user_index[keep], n_users + identifier_index[keep]),
        ),
        shape=(n_nodes, n_nodes),
    )
    _, labels = connected_components(adjacency, directed=False)
    return labels[:n_users]


def group_users(users, identifiers, strong, split_min_users):
    """(distinct users, component id, whether the user's component was split)."""
    user_values, user_index = np.unique(users, return_inverse=True)
    identifier_values, identifier_index = np.unique(identifiers, return_inverse=True)
    n_users, n_identifiers = len(user_values), len(identifier_values)
    every_edge = np.ones(len(users), dtype=bool)
    labels = component_labels(user_index, identifier_index, n_users, n_identifiers, every_edge)
    in_large_component = np.bincount(labels)[labels] >= split_min_users
    if in_large_component.any():
        # re-cut large components on strong edges only; their users get fresh labels
        keep = strong & in_large_component[user_index]
        strong_labels = component_labels(user_index, identifier_index, n_users, n_identifiers, keep)
        labels = np.where(in_large_component, labels.max() + 1 + strong_labels, labels)
    return user_values, labels, in_large_component


def attach_collectors(user_values, labels, buyers, sellers, amounts, min_members=3):
    """Merge each collector (a seller paid by min_members+ members of one component with half or
    more of their purchase value) into that component; returns new labels for user_values."""
    position = {u: i for i, u in enumerate(user_values.tolist())}
    # sorted, so that component ids do not depend on the hash seed of the process
    extra = sorted(set(sellers.tolist()) - position.keys())
    all_users = np.concatenate([user_values, np.array(extra, dtype=user_values.dtype)])
    all_labels = np.concatenate([labels, labels.max() + 1 + np.arange(len(extra))])
    position.update({u: len(user_values) + i for i, u in enumerate(extra)})
    buyer_pos = np.array([position.get(b, -1) for b in buyers.tolist()], dtype=np.int64)
    known = buyer_pos >= 0
    buyer_component = np.where(known, all_labels[np.maximum(buyer_pos, 0)], -1)
    # per buyer: total purchases, to test "half or more of their purchases"
    total_by_buyer = {}
    for b, a in zip(buyers.tolist(), amounts.tolist(), strict=True):
        total_by_buyer[b] = total_by_buyer.get(b, 0.0) + a
    paid = {}
    for b, s, a, c in zip(
        buyers.tolist(), sellers.tolist(), amounts.tolist(), buyer_component.tolist(), strict=True
    ):
        if c < 0 or all_labels[position[s]] == c:
            continue
        entry = paid.setdefault((c, s), [set(), 0.0, 0.0])
        if b not in entry[0]:
            entry[0].add(b)
            entry[2] += total_by_buyer[b]
        entry[1] += a
    pairs = [
        (c, s)
        for (c, s), (members, value, total) in paid.items()
        if len(members) >= min_members and value >= 0.5 * total
    ]
    if not pairs:
        return all_users, all_labels
    n = int(all_labels.max()) + 1
    rows = np.array([c for c, _ in pairs], dtype=np.int64)
    cols = np.array([all_labels[position[s]] for _, s in pairs], dtype=np.int64)
    merged = coo_matrix((np.ones(len(pairs), dtype=np.int8), (rows, cols)), shape=(n, n))
    _, component_of_label = connected_components(merged, directed=False)
    return all_users, component_of_label[all_labels]


def model(dbt, session):
    dbt.config(materialized="table")
    split_min_users = int(dbt.config.get("group_split_min_users"))
    columns = (
        dbt.ref("int_risk__graph_edges").project("user_id, identifier_key, is_strong").fetchnumpy()
    )
    users = np.asarray(columns["user_id"], dtype=object).astype(str)
    identifiers = np.asarray(columns["identifier_key"], dtype=object).astype(str)
    strong = np.asarray(columns["is_strong"], dtype=bool)
    if len(users):
        user_values, labels, was_split = group_users(users, identifiers, strong, split_min_users)
        trades = (
            # in a fixed order: the per-buyer float sums then add up the same way on every run
            dbt.ref("int_risk__trade_edges")
            .project("buyer_id, seller_id, gross_usd")
            .order("buyer_id, seller_id, gross_usd")
            .fetchnumpy()
        )
        grouped_users, labels = attach_collectors(
            user_values,
            labels,
            np.asarray(trades["buyer_id"], dtype=object).astype(str),
            np.asarray(trades["seller_id"], dtype=object).astype(str),
            np.asarray(trades["gross_usd"], dtype=float),
        )
        was_split = np.concatenate(
            [was_split, np.zeros(len(grouped_users) - len(user_values), bool)]
        )
        user_values = grouped_users
    else:
        user_values, labels, was_split = users, np.zeros(0, np.int64), np.zeros(0, bool)
    return pa.table(
        {
            "user_id": pa.array(user_values.tolist(), pa.string()),
            "component_id": pa.array(labels.astype(np.int64)),
            "was_split": pa.array(was_split.astype(bool)),
        }
    )
