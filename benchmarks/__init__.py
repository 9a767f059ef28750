"""Speed benchmarks: ``python -m benchmarks NAME`` (each NAME a module here with a ``main(argv)``)."""
