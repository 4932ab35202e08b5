"""Road provider on real OSM data: the Monaco-area pbf and the whole Alpes-Maritimes layer."""

from dataclasses import replace

import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
from django.core.management import call_command
from scipy.sparse.csgraph import dijkstra

from indicators.engine.travel import NO_DESTINATION, Places, provider_from_parameters
from indicators.engine.travel.crowfly import CrowFly
from indicators.engine.travel.osm import BOTH, FORWARD, read_edges
from indicators.engine.travel.road import RoadProvider, directed_arcs
from indicators.road_networks import cache_dir

pytestmark = pytest.mark.open_data

MONACO = "osm/monaco-alpes-maritimes-2016.osm.pbf"
ROADS_06 = "osm/alpes-maritimes-roads-drive-osm-2021-07.geojson"
FASTEST_KMH = 130.0  # no tagged or default car speed is higher


def points(lon, lat, prefix="p"):
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    return Places(np.array([f"{prefix}{i}" for i in range(len(lon))]), lon, lat)


@pytest.fixture(scope="module")
def monaco_edges(open_data):
    return read_edges(open_data / MONACO)


@pytest.fixture(scope="module")
def monaco(open_data, monaco_edges):
    return RoadProvider.from_edges(monaco_edges, "monaco", MONACO.split("/")[-1])


def node_places(road, nodes, prefix="n"):
    return points(road.lon[nodes], road.lat[nodes], prefix)


def brute_force(road, origins, destinations):
    """All-pairs times by single-source Dijkstras from each origin on the forward graph."""
    origin_node, origin_snap = road.snap(origins)
    dest_node, dest_snap = road.snap(destinations)
    dist = dijkstra(road.graph, indices=origin_node)
    return dist[:, dest_node] + origin_snap[:, None] + dest_snap[None, :]


# -- Monaco-area pbf (pyrosm) -------------------------------------------------------------------


def test_the_pbf_graph_keeps_its_largest_strongly_connected_component(monaco):
    meta = monaco.metadata
    assert meta["nodes_before"] == 13405  # pyrosm's driving network of the README
    assert 0.85 < meta["largest_component_share"] < 1.0
    assert meta["nodes"] == len(monaco.lon) == monaco.graph.shape[0]
    assert meta["components"] > 1
    assert monaco.parameters()["source"] == "monaco-alpes-maritimes-2016.osm.pbf"


def test_road_times_are_never_below_crow_fly_at_the_fastest_speed(monaco):
    rng = np.random.default_rng(3)
    nodes = rng.choice(len(monaco.lon), 260, replace=False)
    origins, destinations = node_places(monaco, nodes[:200]), node_places(monaco, nodes[200:], "d")
    road_minutes, road_index = monaco.nearest(origins, destinations, k=1)
    bound, _ = CrowFly(detour=1.0, speed_kmh=FASTEST_KMH).nearest(origins, destinations, k=1)
    assert (road_minutes >= bound - 1e-9).all()
    # Against the crow-fly default (x1.3 at 50 km/h) the road is the same order of magnitude.
    crow, _ = CrowFly().nearest(origins, destinations, k=1)
    ratio = road_minutes[:, 0] / np.maximum(crow[:, 0], 1e-9)
    assert 0.5 < np.median(ratio[crow[:, 0] > 1]) < 3.0
    assert (road_index >= 0).all() and np.isfinite(road_minutes).all()


def one_way_arcs(edges, road):
    """(a, b, minutes) of one-way arcs of the data whose ends are both in the graph and that
    have no arc in the opposite direction (not a dual carriageway drawn as one way)."""
    index = pd.Series(
        np.arange(len(road.lon)), index=pd.MultiIndex.from_arrays([road.lon, road.lat])
    )
    index = index[~index.index.duplicated(keep=False)]  # OSM has a few nodes on one spot
    a = index.reindex(pd.MultiIndex.from_arrays([edges.lon[edges.u], edges.lat[edges.u]]))
    b = index.reindex(pd.MultiIndex.from_arrays([edges.lon[edges.v], edges.lat[edges.v]]))
    ok = (edges.oneway == FORWARD) & a.notna().to_numpy() & b.notna().to_numpy()
    a, b = a.to_numpy()[ok].astype(int), b.to_numpy()[ok].astype(int)
    forward = np.asarray(road.graph[a, b]).ravel()
    backward = np.asarray(road.graph[b, a]).ravel()
    keep = (forward > 0) & (backward == 0)
    return a[keep], b[keep], forward[keep]


def test_one_way_streets_are_driven_in_their_direction_only(monaco_edges, monaco):
    a, b, arc_minutes = one_way_arcs(monaco_edges, monaco)
    assert len(a) > 1000  # Monaco is full of one-way streets
    rng = np.random.default_rng(5)
    pick = rng.choice(len(a), 150, replace=False)
    a, b, arc_minutes = a[pick], b[pick], arc_minutes[pick]
    ab = brute_force(monaco, node_places(monaco, a), node_places(monaco, b)).diagonal()
    ba = brute_force(monaco, node_places(monaco, b), node_places(monaco, a)).diagonal()
    assert (ab <= arc_minutes + 1e-12).all()
    assert (ba > ab).mean() > 0.95  # going back needs a detour
    assert np.median(ba / ab) > 3

    # The same streets with their one-way tags ignored: going back is the arc itself.
    two_way = RoadProvider.from_edges(
        replace(monaco_edges, oneway=np.full(len(monaco_edges.u), BOTH, dtype=object)),
        "monaco-two-way",
        "test",
    )
    ba_ignoring = brute_force(two_way, node_places(monaco, b), node_places(monaco, a)).diagonal()
    assert (ba_ignoring <= arc_minutes + 1e-12).all()


def test_the_provider_answers_the_same_through_the_reversed_graph(monaco_edges, monaco):
    a, b, _ = one_way_arcs(monaco_edges, monaco)
    origins, destinations = node_places(monaco, a[:40]), node_places(monaco, b[:40], "d")
    expected = brute_force(monaco, origins, destinations)
    minutes, index = monaco.nearest(origins, destinations, k=1)
    np.testing.assert_allclose(minutes[:, 0], expected.min(axis=1), rtol=1e-12)
    np.testing.assert_allclose(
        expected[np.arange(len(index)), index[:, 0]], expected.min(axis=1), rtol=1e-12
    )


def test_a_point_on_a_disconnected_piece_is_snapped_onto_the_main_component(monaco_edges, monaco):
    tail, head, _ = directed_arcs(monaco_edges)
    main = pd.MultiIndex.from_arrays([monaco.lon, monaco.lat])
    everywhere = pd.MultiIndex.from_arrays([monaco_edges.lon, monaco_edges.lat])
    outside = np.flatnonzero(~everywhere.isin(main))
    assert len(outside) > 100  # gated roads, clipped ways at the edge of the extract
    stranded = points(monaco_edges.lon[outside[:20]], monaco_edges.lat[outside[:20]], "s")
    hospital = node_places(monaco, np.array([0]), "h")
    minutes, index = monaco.nearest(stranded, hospital, k=1)
    assert np.isfinite(minutes).all() and (index == 0).all()
    node, snap_minutes = monaco.snap(stranded)
    assert (snap_minutes > 0).all()  # moved to another node, at the slow snapping speed
    assert (minutes[:, 0] >= snap_minutes).all()


def test_k_nearest_and_within_equal_brute_force_on_a_real_graph(monaco):
    rng = np.random.default_rng(11)
    lon0, lat0 = monaco.lon.min(), monaco.lat.min()
    lon1, lat1 = monaco.lon.max(), monaco.lat.max()
    origins = points(rng.uniform(lon0, lon1, 60), rng.uniform(lat0, lat1, 60))
    destinations = points(rng.uniform(lon0, lon1, 9), rng.uniform(lat0, lat1, 9), "d")
    full = brute_force(monaco, origins, destinations)

    for k in (1, 3, 12):
        minutes, index = monaco.nearest(origins, destinations, k=k)
        expected = np.sort(full, axis=1)[:, :k]
        filled = np.full((len(origins), k), np.inf)
        filled[:, : expected.shape[1]] = expected
        np.testing.assert_allclose(minutes, filled, rtol=1e-12)
        found = index[:, : min(k, 9)]
        np.testing.assert_allclose(
            np.take_along_axis(full, found, 1), filled[:, : min(k, 9)], rtol=1e-12
        )
        assert (index[:, 9:] == NO_DESTINATION).all()

    cut_off = float(np.quantile(full, 0.3))
    pairs = monaco.within(origins, destinations, cut_off)
    expected_origin, expected_destination = np.nonzero(full <= cut_off)
    np.testing.assert_array_equal(pairs.origin, expected_origin)
    np.testing.assert_array_equal(pairs.destination, expected_destination)
    np.testing.assert_allclose(pairs.minutes, full[expected_origin, expected_destination])


def test_a_cached_network_is_the_same_graph(monaco, tmp_path, settings):
    settings.VAR_DIR = tmp_path
    path = monaco.save(RoadProvider.cache_path("monaco", cache_dir()))
    assert path == tmp_path / "road-networks" / "monaco.npz"
    loaded = RoadProvider.load_cached("monaco", cache_dir())
    assert loaded.parameters() == monaco.parameters()
    rebuilt = provider_from_parameters(monaco.parameters(), road_cache_dir=cache_dir())
    assert rebuilt.graph_hash() == monaco.graph_hash()
    with pytest.raises(ValueError, match="has changed"):
        provider_from_parameters(
            {**monaco.parameters(), "graph_sha256": "0" * 16}, road_cache_dir=cache_dir()
        )
    with pytest.raises(FileNotFoundError, match="load_road_network"):
        RoadProvider.load_cached("nowhere", cache_dir())


def test_load_road_network_builds_and_caches_a_region(open_data, tmp_path, settings, capsys):
    settings.VAR_DIR = tmp_path
    call_command("load_road_network", "mc", str(open_data / MONACO))
    out = capsys.readouterr().out
    assert "13,405 nodes" in out and "largest strongly connected component" in out
    assert (tmp_path / "road-networks" / "mc.npz").exists()


# -- the whole Alpes-Maritimes (Geofabrik-schema GeoJSON) ---------------------------------------


@pytest.fixture(scope="module")
def road_06(open_data, tmp_path_factory):
    built = RoadProvider.from_file(open_data / ROADS_06, name="06")
    path = built.save(tmp_path_factory.mktemp("road") / "06.npz")
    loaded = RoadProvider.load(path)
    assert loaded.graph_hash() == built.graph_hash()
    return loaded


@pytest.fixture(scope="module")
def communes_06(open_data):
    polygons = pyogrio.read_dataframe(
        open_data / "geo/communes-2018/communes-06-alpes-maritimes.geojson"
    )
    population = pd.read_csv(
        open_data / "population/communes-06-cog2026.csv", dtype={"code_insee": str}
    )
    frame = polygons.merge(population, left_on="code", right_on="code_insee", validate="1:1")
    frame = frame.sort_values("code").reset_index(drop=True)
    where = shapely.point_on_surface(frame.geometry.to_numpy())
    places = Places(frame["code"].to_numpy(str), shapely.get_x(where), shapely.get_y(where))
    return places, frame["population"].to_numpy(np.int64)


@pytest.fixture(scope="module")
def hospitals_06(open_data):
    frame = pd.read_csv(
        open_data / "facilities/eurostat-gisco-hospitals-06-2020.csv", dtype={"id": str}
    )
    return Places(frame["id"].to_numpy(str), frame["lon"].to_numpy(), frame["lat"].to_numpy())


def test_the_06_layer_is_split_at_shared_vertices_as_the_readme_counts(road_06):
    meta = road_06.metadata
    assert meta["nodes_before"] == pytest.approx(72_223, rel=1e-3)
    assert meta["edges_before"] == pytest.approx(85_829, rel=1e-3)
    assert 0.97 < meta["largest_component_share"] < 0.99
    assert meta["network"] == "06"


def test_nearest_hospital_by_road_in_the_06_against_crow_fly(road_06, communes_06, hospitals_06):
    communes, population = communes_06
    assert len(communes) == 163 and population.sum() == 1_128_418
    road, road_index = road_06.nearest(communes, hospitals_06, k=1)
    crow, _ = CrowFly().nearest(communes, hospitals_06, k=1)
    road, crow = road[:, 0], crow[:, 0]
    assert np.isfinite(road).all()
    assert "60000494" not in set(hospitals_06.ids[road_index[:, 0]])  # the one geocoded in Savoie

    far_by_road, far_by_crow = road > 30, crow > 30
    # The design notes measured about 41 communes / 10,000 inhabitants by road, 1 commune by
    # crow-fly; our speed table gives 36 / 9,174.
    assert 30 <= far_by_road.sum() <= 45
    assert 7_000 <= population[far_by_road].sum() <= 12_000
    assert far_by_crow.sum() <= 2
    ratio = road / crow
    assert 1.4 < np.median(ratio) < 2.2
    assert ratio.max() > 5  # the mountain valleys
    assert (
        road >= CrowFly(detour=1.0, speed_kmh=FASTEST_KMH).nearest(communes, hospitals_06)[0][:, 0]
    ).all()
    nice = communes.ids.tolist().index("06088")
    assert road[nice] < 10


def test_within_in_the_06_agrees_with_nearest(road_06, communes_06, hospitals_06):
    communes, _ = communes_06
    nearest, index = road_06.nearest(communes, hospitals_06, k=3)
    pairs = road_06.within(communes, hospitals_06, 30.0)
    assert (pairs.minutes <= 30).all()
    reached = np.zeros(len(communes), dtype=bool)
    reached[pairs.origin] = True
    np.testing.assert_array_equal(reached, nearest[:, 0] <= 30)
    found = pd.Series(
        pairs.minutes, index=pd.MultiIndex.from_arrays([pairs.origin, pairs.destination])
    )
    for rank in range(3):
        close = nearest[:, rank] <= 30
        keys = pd.MultiIndex.from_arrays([np.flatnonzero(close), index[close, rank]])
        np.testing.assert_allclose(found.reindex(keys).to_numpy(), nearest[close, rank])
