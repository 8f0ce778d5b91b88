// tiny-init: a minimal init in front of a program: blocks every signal, waits for them with sigtimedwait, forwards each to the child, reaps, exits with the child's status.
// Args: /bin/sh -c "echo READY; exec sleep 30"
// Send: tty ^C
// Output contains: tiny-init: forwarded SIGINT to
// Output contains: tiny-init: child killed by SIGINT, exiting 130
// Exit: 130
//
// What tini and `docker run --init` do, in a page: as PID 1 of a container it
// stands where the kernel refuses default actions (a signal nobody handles is
// dropped for PID 1), so it handles every signal itself, by waiting for it,
// and passes it on to the program, which runs as PID 2 with default
// dispositions and an empty mask. It reaps every child (orphans are
// re-parented to PID 1) and exits with the program's status: its exit code,
// or 128 + the signal that killed it.
// Usage: tiny-init PROGRAM [ARG...]
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
	sigset_t all, none;
	if (argc < 2) {
		fprintf(stderr, "usage: tiny-init PROGRAM [ARG...]\n");
		return 2;
	}
	sigfillset(&all);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &all, NULL);  // from here on, signals wait for us
	pid_t child = fork();
	if (child < 0) {
		perror("tiny-init: fork");
		return 1;
	}
	if (child == 0) {
		sigprocmask(SIG_SETMASK, &none, NULL);  // the program starts with nothing blocked
		execvp(argv[1], argv + 1);
		fprintf(stderr, "tiny-init: exec %s: %s\n", argv[1], strerror(errno));
		_exit(127);
	}
	fprintf(stderr, "tiny-init: pid %d, started %s as pid %d\n", (int)getpid(), argv[1], (int)child);
	for (;;) {
		struct timespec second = {1, 0};
		siginfo_t info;
		int sig = sigtimedwait(&all, &info, &second);
		if (sig > 0 && sig != SIGCHLD) {
			kill(child, sig);
			fprintf(stderr, "tiny-init: forwarded SIG%s to %d\n", sigabbrev_np(sig), (int)child);
		}
		// SIGCHLD, a timeout (orphans need reaping too) or any signal: reap what has ended.
		int status;
		pid_t pid;
		while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
			if (pid != child)
				continue;
			if (WIFSIGNALED(status)) {
				int code = 128 + WTERMSIG(status);
				fprintf(stderr, "tiny-init: child killed by SIG%s, exiting %d\n", sigabbrev_np(WTERMSIG(status)), code);
				return code;
			}
			fprintf(stderr, "tiny-init: child exited %d\n", WEXITSTATUS(status));
			return WEXITSTATUS(status);
		}
	}
}
