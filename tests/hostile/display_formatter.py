# display-formatter: makes every string display as "nope", which garbles the answers on their way out.
# Base: solution
# Expect: fail
# Reason: garbled
get_ipython().display_formatter.formatters["text/plain"].for_type(str, lambda obj, p, cycle: p.text("nope"))  # noqa: F821
