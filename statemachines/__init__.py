"""The reference orchestrators, each compiled to the `.asl.json` beside it (`make compile`)."""
