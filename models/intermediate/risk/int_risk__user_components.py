"""Connected components of the identity graph, computed with SciPy.

SciPy's `connected_components` is a compiled union-find over a sparse matrix: exact, linear in the
number of edges and the reference the grouping step is benchmarked against, so running it inside
the warehouse (a dbt Python model runs in-process on DuckDB) is clearly better than iterating label
propagation in SQL. Users and identifiers are both nodes; an edge links a user to an identifier.
Components of var group_split_min_users users or more are split again on strong identifiers only.
"""

import numpy as np
import pyarrow as pa
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components


def component_labels(user_index, identifier_index, n_users, n_identifiers, keep):
    """Component label per user, over the edges selected by `keep`."""
    n_nodes = n_users + n_identifiers
    adjacency = coo_matrix(
        (np.ones(int(keep.sum()), dtype=np.int8), (user_index[keep], n_users + identifier_index[keep])),
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


def model(dbt, session):
    dbt.config(materialized="table")
    split_min_users = int(dbt.config.get("group_split_min_users"))
    columns = dbt.ref("int_risk__graph_edges").project("user_id, identifier_key, is_strong").fetchnumpy()
    users = np.asarray(columns["user_id"], dtype=object).astype(str)
    identifiers = np.asarray(columns["identifier_key"], dtype=object).astype(str)
    strong = np.asarray(columns["is_strong"], dtype=bool)
    if len(users):
        user_values, labels, was_split = group_users(users, identifiers, strong, split_min_users)
    else:
        user_values, labels, was_split = users, np.zeros(0, np.int64), np.zeros(0, bool)
    return pa.table(
        {
            "user_id": pa.array(user_values.tolist(), pa.string()),
            "component_id": pa.array(labels.astype(np.int64)),
            "was_split": pa.array(was_split.astype(bool)),
        }
    )
