# infinite-loop: a cell that never ends; the cell timeout interrupts it and the rest is graded.
# Base: solution
# Expect: full
# Note: was interrupted
while True:
    pass
