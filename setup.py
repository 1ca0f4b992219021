"""Packaging: the top-level folders install under one namespace, ``stx_migrate``.

The layout keeps migration/, connectors/, tasks/, flows/, cli/, config/ and deployments/ at
the top of the repository, but nothing generic (a package called ``tasks`` or
``config``) may land in a user's site-packages, so each folder is mapped to
``stx_migrate.<folder>``.
"""
from setuptools import find_namespace_packages, setup

TOP_LEVEL = ["migration", "connectors", "tasks", "flows", "config", "deployments", "cli"]

packages, package_dir = [], {}
for top in TOP_LEVEL:
    package_dir[f"stx_migrate.{top}"] = top
    packages.append(f"stx_migrate.{top}")
    packages += [f"stx_migrate.{top}.{sub}" for sub in find_namespace_packages(top, exclude=["*__pycache__*"])]

setup(
    packages=packages,
    package_dir=package_dir,
    package_data={"": ["*.yaml", "*.yml", "*.json", "*.md", "*.ini", "*.mako", "*.csv", "*.txt"]},
    include_package_data=True,
)
