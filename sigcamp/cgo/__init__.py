"""Chapter 3: how C code in a Go program blocks, delays or steals signals.

Each module is one concept of the chapter; each function runs real cgo
programs from c_samples/ and returns the evidence (/proc masks, strace, gdb,
delve, the installed runtime's source) as DataFrames the notebook shows.
The article's claims and their judges are in sigcamp/claims/ch3.py.
"""

from .common import (BLOCK_ALL, BLOCKED_WAITER, C_THREAD, CONSTRUCTOR, CONSTRUCTOR_HANDLER,  # noqa: F401
                     CONSTRUCTOR_NOTIFY, CRASHING_HANDLER, PLAIN_WAITER, thread_events)
from .blocking import SETTINGS, Setting, block_signals  # noqa: F401
from .constructor import constructor_caption, constructor_masks, constructor_then_notify  # noqa: F401
from .handlers import SIGACTION_CASES, HandlerCase, sigaction_calls, sigaction_cases, stack_matters  # noqa: F401
from .pictures import mask_map, thread_diagram  # noqa: F401
from .runtime_source import (across_releases, release_diff, runtime_function, runtime_unblocks,  # noqa: F401
                             sigtable, signal_roles)
from .stuck import (DLV_COMMANDS, StuckInC, article_dlv_commands, stack_caption, stuck_in_c,  # noqa: F401
                    threads_caption, transcript)
from .threads import c_thread_breakpoints, c_thread_signal, hit_counts, roles_of, thread_roles  # noqa: F401
from .waiting import (calls_caption, cond_wait_signals, waiter_calls, waiter_frames,  # noqa: F401
                      waiter_kill_vs_tgkill, waiter_masks)
