"""A small application's configuration and step modules, imported by the real-world orchestrators
that read names from elsewhere (tests/compiler/real_world/): the compiler resolves these names by
reading this source, never by importing it."""
