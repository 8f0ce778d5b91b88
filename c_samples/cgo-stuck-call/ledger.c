#include <poll.h>

#include "ledger.h"

/* ledger_wait_for_ack waits, with no timeout, until fd has something to read:
   the peer's acknowledgement. If the peer never answers, it never returns. */
int ledger_wait_for_ack(int fd) {
	struct pollfd p = {.fd = fd, .events = POLLIN};
	return poll(&p, 1, -1);
}
