/* The ledger's C side: waits for a peer's acknowledgement. */
int ledger_wait_for_ack(int fd);
