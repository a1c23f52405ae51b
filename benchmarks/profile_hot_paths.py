"""Profile the two hot paths with pyinstrument: posting a 10-line order with
rules (bench_post_order_rules) and rendering a list page (bench_list_page).

    python -m benchmarks.profile_hot_paths posting [--orders N] [--html out.html]
    python -m benchmarks.profile_hot_paths list [--rows N] [--repeat R] [--api]

Prints pyinstrument's call tree (wall time, the busiest frames first), so an
optimisation starts from what the profile shows, not from a guess.
"""
from __future__ import annotations

import argparse
import tempfile


def profile_posting(orders: int):
    from benchmarks import bench_post_order_rules as bench
    url = f"sqlite:///{tempfile.mkdtemp(prefix='ld-prof-')}/bench.db"
    _app, service, _loaded, warehouse, products = bench.setup(url)
    bench.run_engine(service, warehouse, products, 5)
    return lambda: bench.run_engine(service, warehouse, products, orders)


def profile_list(rows: int, repeat: int, api: bool):
    from benchmarks import bench_list_page as bench
    url = f"sqlite:///{tempfile.mkdtemp(prefix='ld-prof-')}/bench.db"
    app = bench.build_app(url)
    bench.seed(app, rows)
    client = bench.sign_in(app)
    path = bench.API_URL if api else bench.PAGE_URL
    client.get(path)

    def run():
        for _ in range(repeat):
            assert client.get(path).status_code == 200
    return run


def main(argv=None) -> None:
    from pyinstrument import Profiler
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", choices=("posting", "list"))
    parser.add_argument("--orders", type=int, default=200)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--api", action="store_true", help="profile the JSON list, not the screen")
    parser.add_argument("--html", help="also write pyinstrument's HTML report here")
    args = parser.parse_args(argv)
    run = (profile_posting(args.orders) if args.path == "posting"
           else profile_list(args.rows, args.repeat, args.api))
    profiler = Profiler(interval=0.0005)
    profiler.start()
    run()
    profiler.stop()
    print(profiler.output_text(unicode=True, color=False, show_all=False))
    if args.html:
        with open(args.html, "w") as handle:
            handle.write(profiler.output_html())


if __name__ == "__main__":
    main()
