"""Packaging glue that pyproject.toml cannot express: the top-level `templates/`
and `app_definitions/` folders (fixed by the product card) are shipped inside the
wheel under package names that cannot clash with other distributions."""
from setuptools import find_namespace_packages, setup

DATA = ["*.json", "*.html", "*.css", "*.js", "*.svg", "*.txt", "*.md", "*.po", "*.mo",
        "*.csv", "*.woff2", "*.map"]
RESOURCES = {"liandong_templates": "templates", "liandong_apps": "app_definitions"}
NOT_PACKAGES = ["*__pycache__*"]


def resource_packages(package: str, folder: str) -> list[str]:
    # Every sub-folder is listed as a (data-only) package of its own, so the
    # build ships its files without "package is absent" warnings.
    return [package] + [f"{package}.{sub}"
                        for sub in find_namespace_packages(where=folder, exclude=NOT_PACKAGES)]


setup(
    packages=find_namespace_packages(include=["engine", "engine.*"], exclude=NOT_PACKAGES)
    + [p for package, folder in RESOURCES.items() for p in resource_packages(package, folder)],
    package_dir=RESOURCES,
    package_data={"": DATA},
)
