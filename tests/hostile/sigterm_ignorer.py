# sigterm-ignorer: leaves a program running that ignores SIGTERM, SIGINT and SIGHUP.
# Base: solution
# Expect: full
import subprocess
import sys

stubborn = subprocess.Popen([sys.executable, "-c", "import signal, time\n"
                             "for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):\n"
                             "    signal.signal(s, signal.SIG_IGN)\n"
                             "while True:\n"
                             "    time.sleep(1)\n"], start_new_session=True)
