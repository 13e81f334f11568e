"""The reply network (docs/metrics.md §4.1): who answers whom, weighted as Orbit suggests (a quote or an
@mention 10, adjacency 1), each week's ties fading by 10% a month, measured with networkx."""

from __future__ import annotations

import datetime as dt

import duckdb
import networkx as nx
import polars as pl

from dashboard.core import queries

STRONG_WEIGHT = 10.0
WEAK_WEIGHT = 1.0
MONTHLY_DECAY = 0.9
BETWEENNESS_SAMPLES = 64  # exact up to this many members, sampled (fixed seed) beyond


def weighted_edges(edges: pl.DataFrame, as_of: dt.date | None = None) -> pl.DataFrame:
    """One chat's reply_edges rows summed per (source_id, target_id) into `weight`, each week's
    ties decayed by 10% per 30 days before `as_of` (the chat's last week by default)."""
    if edges.is_empty():
        return pl.DataFrame(schema={"source_id": pl.String, "target_id": pl.String, "weight": pl.Float64,
                                    "strong": pl.Int64, "weak": pl.Int64})
    as_of = as_of or edges["week"].max()
    months = ((pl.lit(as_of) - pl.col("week")).dt.total_days() / 30).floor().clip(lower_bound=0)
    return (
        edges.with_columns(weight=(STRONG_WEIGHT * pl.col("strong") + WEAK_WEIGHT * pl.col("weak"))
                           * pl.lit(MONTHLY_DECAY).pow(months))
        .group_by("source_id", "target_id")
        .agg(pl.col("weight").sum(), pl.col("strong").sum(), pl.col("weak").sum())
        .sort("source_id", "target_id")
    )


def directed(weighted: pl.DataFrame) -> nx.DiGraph:
    g = nx.DiGraph()
    g.add_weighted_edges_from(weighted.select("source_id", "target_id", "weight").iter_rows())
    return g


def undirected(g: nx.DiGraph) -> nx.Graph:
    """Ties regardless of direction, a pair's weights in both directions added."""
    u = nx.Graph()
    for a, b, w in g.edges(data="weight"):
        if u.has_edge(a, b):
            u[a][b]["weight"] += w
        else:
            u.add_edge(a, b, weight=w)
    return u


def centrality(weighted: pl.DataFrame) -> pl.DataFrame:
    """Per member: reach (weighted degree, both directions), PageRank over the directed graph (a
    reply passes rank to whom it answers), betweenness and local clustering over the undirected
    ties. Betweenness treats heavier ties as shorter."""
    schema = {"member_id": pl.String, "reach": pl.Float64, "pagerank": pl.Float64, "betweenness": pl.Float64,
              "clustering": pl.Float64}
    if weighted.is_empty():
        return pl.DataFrame(schema=schema)
    g = directed(weighted)
    u = undirected(g)
    for _, _, d in u.edges(data=True):
        d["distance"] = 1.0 / d["weight"]
    # a reply to someone is a vote for them: rank flows from the one who answers to the one answered
    rank = nx.pagerank(g, weight="weight")
    k = None if u.number_of_nodes() <= BETWEENNESS_SAMPLES else BETWEENNESS_SAMPLES
    between = nx.betweenness_centrality(u, k=k, weight="distance", seed=0)
    clustering = nx.clustering(u)
    reach = dict(u.degree(weight="weight"))
    rows = [(m, float(reach[m]), float(rank[m]), float(between[m]), float(clustering[m])) for m in u.nodes]
    return pl.DataFrame(rows, schema=schema, orient="row")


def density(weighted: pl.DataFrame) -> float | None:
    """Actual ties / possible ties, n(n−1)/2, over the undirected graph."""
    u = undirected(directed(weighted))
    n = u.number_of_nodes()
    return None if n < 2 else u.number_of_edges() / (n * (n - 1) / 2)


def layout(weighted: pl.DataFrame, members: list[str]) -> dict[str, tuple[float, float]]:
    """Positions for drawing the ties among `members` (a spring layout, fixed seed, so a page
    redrawn shows the same picture)."""
    u = undirected(directed(weighted.filter(pl.col("source_id").is_in(members) & pl.col("target_id").is_in(members))))
    u.add_nodes_from(members)
    pos = nx.spring_layout(u, weight="weight", seed=0)
    return {m: (float(x), float(y)) for m, (x, y) in pos.items()}


TOP_MEMBERS = 25


def top_graph(con: duckdb.DuckDBPyConnection, chat_id: str, top: int = TOP_MEMBERS) -> dict:
    """What the network chart of one chat draws: its `top` members by reach (rollup
    member_profiles) placed by a spring layout, and the decayed ties among them."""
    profiles = queries.run(con, "roles/profiles", chat_ids=[chat_id])
    members = profiles.filter(pl.col("reach") > 0).sort("reach", descending=True).head(top)
    weighted = weighted_edges(queries.run(con, "roles/edges", chat_ids=[chat_id]))
    ids = members["member_id"].to_list()
    pos = layout(weighted, ids)
    nodes = members.select("member_id", "name", "member_class", "reach").with_columns(
        x=pl.Series([pos[m][0] for m in ids], dtype=pl.Float64),
        y=pl.Series([pos[m][1] for m in ids], dtype=pl.Float64))
    ties = weighted.filter(pl.col("source_id").is_in(ids) & pl.col("target_id").is_in(ids))
    return {"nodes": nodes, "edges": ties, "density": density(weighted), "members": profiles.height}
