# setsid-daemon: a double-forked daemon in its own session, with an empty environment.
# Base: solution
# Expect: full
import os

if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        os.chdir("/")
        os.execve("/bin/sleep", ["sleep", "3600"], {})
    os._exit(0)
os.wait()
