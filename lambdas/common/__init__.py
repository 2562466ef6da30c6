"""Shared configuration, AWS access, logging, errors and models of the reference activities."""
