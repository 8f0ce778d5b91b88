// c-no-handler: a C program that installs no signal handler and waits in pause(); Ctrl+C kills it by the default action.
// Send: tty ^C
// Exit: killed by SIGINT
//
// The reference for PID 1: every signal keeps its default action, so what
// happens is the kernel's rule alone. Run normally, SIGINT and SIGTERM kill it.
// As the init of a PID namespace (a container's PID 1) the kernel drops every
// signal whose action is the default, except SIGKILL and SIGSTOP sent from an
// ancestor namespace: Ctrl+C, kill -INT and kill -TERM do nothing at all.
#include <stdio.h>
#include <unistd.h>

int main(void) {
	printf("READY\n");
	fflush(stdout);
	for (;;)
		pause();
}
