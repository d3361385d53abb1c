"""Pure business rules over plain values: no I/O anywhere below this package."""
