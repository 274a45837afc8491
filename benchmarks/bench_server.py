"""The Lab as users meet it: a real ``streamlit run`` server, real Chromium sessions, page times and server memory.

    python benchmarks/bench_server.py                # quiet pass, then 8 concurrent sessions, cold and warm
    python benchmarks/bench_server.py --sessions 4 --rounds 1
    python benchmarks/bench_server.py --loaded-timings   # and live timings beside 2 CPU burners

Phases, each on the server it names:
  1. fresh server, one browser session visits every page (cold: the caches are empty), then again (warm);
     the server's RSS after every page has been visited with its defaults (target: under 600 MB, since
     Streamlit Community Cloud gives as little as 690 MB); then the cross-page walk: one session opens a link with
     settings (``/sentiment?lr=0.03&hidden=16&seed=5``) and goes through every page by its sidebar link, counting
     exceptions and addresses that hold anything but the page's own settings and the seed;
  2. the same server, N browser sessions at once, each loading every page;
  3. the same server, N protocol sessions at once: clients that speak Streamlit's websocket protocol and render
     nothing, so the time is the server's alone (N Chromiums on the server's own 2 cores mostly time themselves);
  4. a new server, N protocol sessions at once on empty caches (everyone arrives together), and its RSS.
A browser page time is from navigation until the script has run to the end and, on chart pages, a chart is drawn;
a protocol page time is from the rerun request until the server reports the script finished.
RSS counts the server process and any children (psutil).
"""
from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tests")]
from browser.conftest import CHROMIUM, CHROMIUM_FLAGS, serve  # noqa: E402
from helpers import PAGES_WITHOUT_CHARTS  # noqa: E402
from app import nav  # noqa: E402

DONE = "[data-testid='stApp'][data-test-script-state='notRunning']"
DRAWN = "[data-testid='stMain'] h1, [data-testid='stException']"
CHART = ("[data-testid='stVegaLiteChart'][role='graphics-document'], "
         "[data-testid='stVegaLiteChart'] [role='graphics-document']")
RSS_TARGET_MB = 600


def server_rss_mb(url: str) -> float:
    """Resident memory of the process listening on the URL's port, with its children."""
    port = int(url.rsplit(":", 1)[1])
    for conn in psutil.net_connections(kind="tcp"):
        if conn.laddr and conn.laddr.port == port and conn.status == psutil.CONN_LISTEN and conn.pid:
            proc = psutil.Process(conn.pid)
            return sum(p.memory_info().rss for p in [proc, *proc.children(recursive=True)]) / 2**20
    raise RuntimeError(f"no process listens on port {port}")


async def visit(context, url: str, spec) -> tuple[str, float, bool]:
    """Load one page in a new tab; return (page, seconds, ok)."""
    tab = await context.new_page()
    start = time.perf_counter()
    ok = True
    try:
        await tab.goto(f"{url}/{spec.url_path}")
        await tab.wait_for_selector(DRAWN, timeout=180_000)
        await tab.wait_for_selector(DONE, timeout=180_000)
        if await tab.locator("[data-testid='stException']").count():
            ok = False
        elif spec.path not in PAGES_WITHOUT_CHARTS:
            await tab.wait_for_selector(CHART, timeout=120_000)
    except Exception:  # a timeout is a failed page, reported in the table
        ok = False
    seconds = time.perf_counter() - start
    await tab.close()
    return spec.title, seconds, ok


async def protocol_visit(ws, spec) -> tuple[str, float, bool]:
    """Ask the server to run one page in this session, as a page link does; wait until the run has finished."""
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    msg = BackMsg()
    msg.rerun_script.page_name = spec.url_path
    start, ok = time.perf_counter(), True
    await ws.send(msg.SerializeToString())
    while True:
        fm = ForwardMsg()
        fm.ParseFromString(await asyncio.wait_for(ws.recv(), timeout=300))
        kind = fm.WhichOneof("type")
        if kind == "delta" and fm.delta.WhichOneof("type") == "new_element":
            ok = ok and fm.delta.new_element.WhichOneof("type") != "exception"
        elif kind == "page_not_found":
            ok = False
        elif kind == "script_finished" and fm.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN:
            return spec.title, time.perf_counter() - start, ok and fm.script_finished == ForwardMsg.FINISHED_SUCCESSFULLY


async def protocol_session(url: str, pages) -> list[tuple[str, float, bool]]:
    import websockets
    stream = url.replace("http://", "ws://") + "/_stcore/stream"
    async with websockets.connect(stream, subprotocols=["streamlit"], max_size=None) as ws:
        return [await protocol_visit(ws, spec) for spec in pages]


async def protocol_sessions_at_once(url: str, pages, n: int) -> list[tuple[str, float, bool]]:
    results = await asyncio.gather(*(protocol_session(url, pages) for _ in range(n)))
    return [row for rows in results for row in rows]


async def session(browser, url: str, pages) -> list[tuple[str, float, bool]]:
    context = await browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        return [await visit(context, url, spec) for spec in pages]
    finally:
        await context.close()


async def sessions_at_once(browser, url: str, pages, n: int) -> list[tuple[str, float, bool]]:
    results = await asyncio.gather(*(session(browser, url, pages) for _ in range(n)))
    return [row for rows in results for row in rows]


WALK_START = "sentiment?lr=0.03&hidden=16&seed=5"  # a link's settings, which must not follow to the next pages


async def cross_page_walk(browser, url: str) -> list[tuple[str, float, bool, str]]:
    """Open WALK_START, then click every page's sidebar link in turn; per switch: (page, seconds, ok, address left).

    ok: no exception, and the address holds only the seed (every page is at its defaults after a switch).
    """
    from urllib.parse import parse_qs, urlparse
    context = await browser.new_context(viewport={"width": 1400, "height": 1000})
    tab = await context.new_page()
    rows = []
    try:
        await tab.goto(f"{url}/{WALK_START}")
        await tab.wait_for_selector(DRAWN, timeout=180_000)
        await tab.wait_for_selector(DONE, timeout=180_000)
        for spec in [s for s in nav.PAGES if s.url_path and s.url_path != WALK_START.split("?")[0]]:
            start = time.perf_counter()
            ok = True
            try:
                await tab.locator("[data-testid='stSidebarNav'] a", has_text=spec.title).first.click()
                await tab.wait_for_function("p => window.location.pathname.replace(/\\/$/, '').endsWith(p)",
                                            arg=spec.url_path, timeout=60_000)
                await tab.locator("[data-testid='stMain'] h1", has_text=spec.title).first.wait_for(timeout=180_000)
                await tab.wait_for_selector(DONE, timeout=180_000)
                await tab.wait_for_timeout(300)  # the page's last address update
                ok = await tab.locator("[data-testid='stException']").count() == 0
            except Exception:  # a timeout is a failed switch, reported in the table
                ok = False
            seconds = time.perf_counter() - start
            left = {k: v for k, v in parse_qs(urlparse(tab.url).query).items() if k != "seed"}
            ok = ok and not left and parse_qs(urlparse(tab.url).query).get("seed") == ["5"]
            rows.append((spec.title, seconds, ok, urlparse(tab.url).query))
    finally:
        await context.close()
    return rows


def summary(label: str, rows) -> None:
    times = [s for _, s, _ in rows]
    failed = [name for name, _, ok in rows if not ok]
    print(f"{label}: {len(rows)} page loads, median {statistics.median(times):.2f} s, "
          f"worst {max(times):.2f} s, failures {len(failed)}{' ' + str(sorted(set(failed))) if failed else ''}")


def per_page(rows) -> None:
    print("| page | seconds |\n|---|---|")
    for name, s, ok in rows:
        print(f"| {name} | {s:.2f}{'' if ok else ' FAILED'} |")


async def main_async(args) -> None:
    from playwright.async_api import async_playwright
    pages = nav.PAGES
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_FLAGS)
        with tempfile.TemporaryDirectory() as logs:
            with serve(Path(logs)) as url:
                print(f"server up; RSS at boot {server_rss_mb(url):.0f} MB")
                cold = await session(browser, url, pages)
                print("\n## one session, cold caches")
                per_page(cold)
                warm = await session(browser, url, pages)
                print("\n## one session, warm caches")
                per_page(warm)
                rss = server_rss_mb(url)
                print(f"\nRSS after every page with its defaults: {rss:.0f} MB "
                      f"({'ok' if rss < RSS_TARGET_MB else 'OVER'} against {RSS_TARGET_MB} MB)")
                summary("quiet, cold", cold)
                summary("quiet, warm", warm)
                walk = await cross_page_walk(browser, url)
                print(f"\n## the cross-page walk: /{WALK_START}, then every page by its sidebar link")
                print("| page | seconds | address after the switch |\n|---|---|---|")
                for name, s, ok, query in walk:
                    print(f"| {name} | {s:.2f}{'' if ok else ' FAILED'} | ?{query} |")
                summary("cross-page walk (failed: an exception, or an address with more than the seed)",
                        [row[:3] for row in walk])
                for r in range(args.rounds):
                    rows = await sessions_at_once(browser, url, pages, args.sessions)
                    summary(f"{args.sessions} browser sessions at once, warm (round {r + 1})", rows)
                rows = await protocol_sessions_at_once(url, pages, args.sessions)
                summary(f"{args.sessions} protocol sessions at once, warm (server time)", rows)
                print(f"RSS after the concurrent rounds: {server_rss_mb(url):.0f} MB")
            with serve(Path(logs)) as url:
                rows = await protocol_sessions_at_once(url, pages, args.sessions)
                summary(f"{args.sessions} protocol sessions at once on a fresh server (cold, server time)", rows)
                print(f"RSS after that: {server_rss_mb(url):.0f} MB")
        await browser.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sessions", type=int, default=8)
    ap.add_argument("--rounds", type=int, default=1, help="rounds of N browser sessions at once")
    ap.add_argument("--loaded-timings", action="store_true",
                    help="then the live timings of Slow training and Parallelization beside 2 CPU burners "
                         "(benchmarks/bench_loaded_timing.py): sane numbers or 'too busy', never a contradiction")
    args = ap.parse_args()
    if not CHROMIUM.exists():
        sys.exit(f"no Chromium at {CHROMIUM}: apt-get install chromium")
    asyncio.run(main_async(args))
    if args.loaded_timings:
        import subprocess
        subprocess.run([sys.executable, str(REPO / "benchmarks" / "bench_loaded_timing.py"), "--runs", "1"],
                       check=True)


if __name__ == "__main__":
    main()
