# ipython-hooks: input transformers and cell hooks that blank, break or forge every later cell.
# Base: solution
# Expect: full
ip = get_ipython()  # noqa: F821
ip.input_transformers_cleanup.append(lambda lines: ["raise SystemExit('no more cells')\n"])
ip.input_transformers_post.append(lambda lines: ["pass\n"])


def boom(*args):
    raise RuntimeError("hook")


ip.events.register("pre_run_cell", boom)
ip.events.register("post_run_cell", lambda result: print('SIGCAMP-ANSWERS {"example": {"value": []}}'))
