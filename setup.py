"""Maps the top-level code folders into the ``argus`` namespace.

``platform/`` becomes ``argus.platform`` and so on. The folders have no ``__init__.py`` at their
root (a root ``platform`` package would shadow the standard library), so they are namespace
packages; their subfolders are ordinary packages found here.
"""

from setuptools import find_namespace_packages, setup

FOLDERS = {"argus.platform": "platform", "argus.tenants": "tenants",
           "argus.billing": "billing", "argus.branding": "branding"}

packages = []
for name, folder in FOLDERS.items():
    packages.append(name)
    subpackages = find_namespace_packages(folder, exclude=["*__pycache__*"])
    packages += [f"{name}.{sub}" for sub in subpackages]

setup(packages=packages, package_dir=FOLDERS,
      package_data={"argus.platform.ingest": ["templates/*.j2"],
                    "argus.platform.alerts": ["templates/*.html"],
                    "argus.platform.web": ["templates/*.html", "static/*", "package*.json"]})
