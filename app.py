#!/usr/bin/env python3
"""The CDK app of the reference application (`make synth`, `make deploy`, `cdk synth`)."""

from stacks import build_app

build_app().synth()
