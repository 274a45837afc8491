"""Tests for rnncore.data.series (offline real series); the upload validator is tested in test_uploads.py."""
import numpy as np
import pytest

from rnncore.data import series as rd

EXPECTED_LENGTHS = {"seattle_temp_max": 1461, "seattle_temp_hourly": 8760, "seattle_temp_daily": 365,
                    "sf_temp_hourly": 8760, "sf_temp_daily": 365, "stock_msft": 123, "stock_aapl": 123,
                    "stock_amzn": 123, "stock_ibm": 123, "stock_goog": 68}


# ------------------------------------------------------------------------------------------------- real series
@pytest.mark.parametrize("name", rd.SERIES_NAMES)
def test_series_load_finite_sorted_and_evenly_spaced(name):
    s = rd.load_series(name)
    assert s.name == name and len(s.values) == len(s.dates) == EXPECTED_LENGTHS[name]
    assert s.values.dtype == np.float64 and np.isfinite(s.values).all()
    assert s.dates.dtype == np.dtype("datetime64[s]") and np.all(np.diff(s.dates) > np.timedelta64(0, "s"))
    if s.frequency in ("hourly", "daily"):
        assert len(np.unique(np.diff(s.dates))) == 1
    assert 1 < s.season_length < len(s.values) and s.source and s.units


def test_series_are_fresh_copies():
    a = rd.load_series("stock_msft")
    a.values[:] = 0.0
    assert rd.load_series("stock_msft").values.max() > 0


def test_unknown_series_names_the_choices():
    with pytest.raises(ValueError, match="seattle_temp_max"):
        rd.load_series("nope")


def test_series_match_the_vega_datasets_pandas_loader_offline():
    vd = pytest.importorskip("vega_datasets")
    weather, temps, stocks = vd.data.seattle_weather, vd.data.seattle_temps, vd.data.stocks
    assert weather.is_local and temps.is_local and stocks.is_local  # bundled, so no network is needed
    np.testing.assert_allclose(rd.load_series("seattle_temp_max").values, weather()["temp_max"].to_numpy())
    msft = stocks().query("symbol == 'MSFT'")
    np.testing.assert_allclose(rd.load_series("stock_msft").values, msft["price"].to_numpy())
    assert (rd.load_series("stock_msft").dates == msft["date"].to_numpy().astype("datetime64[s]")).all()
    hourly = temps()
    daily = hourly.groupby(hourly["date"].dt.date)["temp"].mean()  # the one DST gap is not filled here
    ours = rd.load_series("seattle_temp_daily")
    jan = ours.dates < np.datetime64("2010-03-01")  # before the gap both methods agree exactly
    np.testing.assert_allclose(ours.values[jan], daily.to_numpy()[: jan.sum()])
