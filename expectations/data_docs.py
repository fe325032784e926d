"""Great Expectations Data Docs that work offline.

GX writes a static site whose pages load jQuery, Bootstrap, bootstrap-table, vega and Font
Awesome from public CDNs; without them the Validation Results and Expectation Suites lists stay
empty (bootstrap-table fills them in the browser). The same files, at the versions the pages
ask for, are installed from the npm registry into ``expectations/data_docs_assets/node_modules``
by ``scripts/install-data-docs-assets.sh`` (``make install`` runs it; ``package-lock.json``
pins them). :func:`make_offline` copies the ones a site uses beside it, under
``static/vendor/``, with the files their CSS refers to (Font Awesome's webfonts), and rewrites
every page to load them by relative path, so ``index.html`` opens from disk on a machine
without internet.

A page that asks for a resource missing from :data:`CDN_ASSETS` (a GX upgrade) raises
:class:`OfflineDocsError` naming it; the run logs it and keeps going, and the test of the Data
Docs fails until the asset is added to ``package.json`` and the map below.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
from pathlib import Path

log = logging.getLogger(__name__)

ASSETS_PROJECT = Path(__file__).parent / "data_docs_assets"
NODE_MODULES = ASSETS_PROJECT / "node_modules"
INSTALL_HINT = "run scripts/install-data-docs-assets.sh (make install runs it)"
SITE_NAME = "abs-etl"
VENDOR_DIR = "static/vendor"

CDN_ASSETS: dict[str, str] = {
    "https://code.jquery.com/jquery-3.7.1.min.js": "jquery/dist/jquery.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/popper.js/1.12.9/umd/popper.min.js": "popper.js/dist/umd/popper.min.js",
    "https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css": "bootstrap/dist/css/bootstrap.min.css",
    "https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js": "bootstrap/dist/js/bootstrap.min.js",
    "https://cdn.jsdelivr.net/npm/@forevolve/bootstrap-dark@1.1.0/dist/css/bootstrap-prefers-dark.css":
        "@forevolve/bootstrap-dark/dist/css/bootstrap-prefers-dark.css",
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/css/bootstrap-datepicker.min.css":
        "bootstrap-datepicker/dist/css/bootstrap-datepicker.min.css",
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/js/bootstrap-datepicker.min.js":
        "bootstrap-datepicker/dist/js/bootstrap-datepicker.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/font-awesome/6.6.0/css/all.min.css": "@fortawesome/fontawesome-free/css/all.min.css",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.css": "bootstrap-table/dist/bootstrap-table.min.css",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.js": "bootstrap-table/dist/bootstrap-table.min.js",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/extensions/filter-control/bootstrap-table-filter-control.min.js":
        "bootstrap-table/dist/extensions/filter-control/bootstrap-table-filter-control.min.js",
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.css":
        "bootstrap-table-1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.css",
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.min.css":
        "bootstrap-table-1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.min.css",
    # jsDelivr serves a package's "jsdelivr" file for a bare major version: the newest 5.x / 6.x.
    "https://cdn.jsdelivr.net/npm/vega@5": "vega/build/vega.min.js",
    "https://cdn.jsdelivr.net/npm/vega-lite@5": "vega-lite/build/vega-lite.min.js",
    "https://cdn.jsdelivr.net/npm/vega-embed@6": "vega-embed/build/vega-embed.min.js",
}
"""CDN address a Data Docs page loads → the same file in ``node_modules`` (versions in package.json)."""

GX_LOGO = re.compile(r"https://great-expectations-web-assets\.s3[^\"']*/logo-long\.png(\?[^\"']*)?")
"""The header logo comes from GX's S3 bucket; GX ships the same image as static/images/logo-long.png."""

_RESOURCE_TAG = re.compile(r"<(?:script|link|img)\b[^>]*>", re.IGNORECASE)
_RESOURCE_URL = re.compile(r"""\b(?:src|href)\s*=\s*["'](https?://[^"']+)["']""", re.IGNORECASE)
_CSS_URL = re.compile(r"""url\(\s*["']?([^"')]+?)["']?\s*\)""")


class OfflineDocsError(RuntimeError):
    """The site cannot be made to work offline (assets not installed, or unknown to the map)."""


def build_site(context, docs_dir: Path) -> Path:
    """Build the context's Data Docs into ``docs_dir`` (replaced whole: it shows the latest
    validations) and make them work offline; returns the index page."""
    docs_dir = Path(docs_dir)
    building = docs_dir.with_name(docs_dir.name + ".building")
    shutil.rmtree(building, ignore_errors=True)
    building.mkdir(parents=True)
    context.add_data_docs_site(site_name=SITE_NAME, site_config={
        "class_name": "SiteBuilder", "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(building)}})
    context.build_data_docs(site_names=[SITE_NAME])
    try:
        make_offline(building)
    except OfflineDocsError as exc:
        log.warning("Data Docs in %s need internet to render: %s", docs_dir, exc)
    old = docs_dir.with_name(docs_dir.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if docs_dir.exists():
        os.replace(docs_dir, old)
    os.replace(building, docs_dir)
    shutil.rmtree(old, ignore_errors=True)
    return docs_dir / "index.html"


def make_offline(site_dir: Path, node_modules: Path = NODE_MODULES) -> list[str]:
    """Copy the assets the pages load into ``site_dir/static/vendor`` and point the pages at
    them; returns the CDN addresses replaced. Raises OfflineDocsError before changing any page
    when an asset is unknown or not installed."""
    site_dir = Path(site_dir)
    pages = sorted(site_dir.rglob("*.html"))
    texts = {page: page.read_text(encoding="utf-8") for page in pages}
    wanted = sorted({url for text in texts.values() for tag in _RESOURCE_TAG.findall(text)
                     for url in _RESOURCE_URL.findall(tag) if not GX_LOGO.fullmatch(url)})
    unknown = [url for url in wanted if url not in CDN_ASSETS]
    if unknown:
        raise OfflineDocsError(f"no local copy of {', '.join(unknown)}: add it to "
                               f"{ASSETS_PROJECT / 'package.json'} and CDN_ASSETS in {__name__}")
    missing = [CDN_ASSETS[url] for url in wanted if not (node_modules / CDN_ASSETS[url]).is_file()]
    if missing:
        raise OfflineDocsError(f"assets not installed in {node_modules} ({', '.join(missing)}): {INSTALL_HINT}")
    vendor = site_dir / VENDOR_DIR
    for url in wanted:
        _copy_with_dependencies(node_modules, CDN_ASSETS[url], vendor)
    for page, text in texts.items():
        def local(match: re.Match, page: Path = page) -> str:
            tag = match.group(0)
            for url in _RESOURCE_URL.findall(tag):
                target = site_dir / "static/images/logo-long.png" if GX_LOGO.fullmatch(url) else vendor / CDN_ASSETS[url]
                tag = tag.replace(url, Path(os.path.relpath(target, page.parent)).as_posix())
            return tag

        rewritten = _RESOURCE_TAG.sub(local, text)
        if rewritten != text:
            page.write_text(rewritten, encoding="utf-8")
    return wanted


def external_resources(site_dir: Path) -> list[str]:
    """Scripts, stylesheets and images the site's pages still load from the internet."""
    return sorted({f"{page.relative_to(site_dir)}: {url}" for page in Path(site_dir).rglob("*.html")
                   for tag in _RESOURCE_TAG.findall(page.read_text(encoding="utf-8"))
                   for url in _RESOURCE_URL.findall(tag)})


def _copy_with_dependencies(node_modules: Path, relative: str, vendor: Path) -> None:
    """Copy one asset, and for a stylesheet the relative files it refers to (fonts, images)."""
    todo = [relative]
    while todo:
        rel = todo.pop()
        source, target = node_modules / rel, vendor / rel
        if target.exists():
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        if rel.endswith(".css"):
            for ref in _CSS_URL.findall(source.read_text(encoding="utf-8", errors="replace")):
                if ref.startswith(("data:", "http:", "https:", "//", "#")):
                    continue
                dep = os.path.normpath(os.path.join(os.path.dirname(rel), ref.split("?")[0].split("#")[0]))
                if (node_modules / dep).is_file():
                    todo.append(Path(dep).as_posix())
