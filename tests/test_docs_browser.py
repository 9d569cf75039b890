"""The documentation site in a real browser: headless Chromium loads its pages and every image.

Marked `browser`, deselected by default: `bash scripts/test.sh -m browser` (which has
scripts/setup.sh install Debian's chromium and chromium-driver). Builds the site with --strict
into a temporary folder, serves it with `python -m http.server` on 127.0.0.1, and loads `/`,
`/zoo/`, `/dcgan/` and the API pages in Chromium driven by Selenium (with Debian's chromedriver, so
Selenium Manager downloads nothing). Screenshots go to $KERAS_GEN_ARTIFACTS, or a temporary
folder whose path the test prints. Without chromium it is skipped, saying what to install; under
CI=true that is a failure.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

import pytest

from keras_gen import families
from tests.test_docs import build_site

pytestmark = pytest.mark.browser

CHROMIUM = ("chromium", "chromium-browser")
CHROMEDRIVER = ("chromedriver",)
PAGES = ("", "zoo/", "dcgan/")
ZOO_LOAD_SECONDS = 2.0


def _which(names):
    return next((shutil.which(name) for name in names if shutil.which(name)), None)


def _missing(message: str):
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for(url: str, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            urllib.request.urlopen(url, timeout=1).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def _images_loaded(driver) -> list[dict]:
    """Scrolls every <img> into view, waits for it, and returns each one's src, complete and naturalWidth."""
    script = """
        const done = arguments[arguments.length - 1];
        const images = Array.from(document.images);
        for (const image of images) { image.loading = "eager"; image.scrollIntoView(); }
        Promise.all(images.map(image => image.complete ? null :
            new Promise(resolve => { image.onload = image.onerror = resolve; })))
          .then(() => done(images.map(image => ({src: image.currentSrc || image.src,
                                                 complete: image.complete, width: image.naturalWidth}))));
    """
    return driver.execute_async_script(script)


def test_site_in_headless_chromium(tmp_path):
    chromium, chromedriver = _which(CHROMIUM), _which(CHROMEDRIVER)
    if not chromium or not chromedriver:
        _missing("no chromium/chromedriver: install Debian's chromium and chromium-driver "
                 "(sudo apt-get install chromium chromium-driver), or run bash scripts/test.sh -m browser as root")
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        _missing("selenium is not installed: pip install -e '.[docs]' (scripts/setup.sh does)")

    site = tmp_path / "site"
    started = time.perf_counter()
    result = build_site(site)
    assert result.returncode == 0, result.stderr[-6000:]
    print(f"strict build: {time.perf_counter() - started:.1f} s")
    artifacts = os.environ.get("KERAS_GEN_ARTIFACTS") or tempfile.mkdtemp(prefix="keras_gen-site-screenshots-")
    os.makedirs(artifacts, exist_ok=True)
    print(f"screenshots in {artifacts}")

    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
                              cwd=site, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    driver = None
    try:
        base = f"http://127.0.0.1:{port}/"
        _wait_for(base)
        options = webdriver.ChromeOptions()
        options.binary_location = chromium
        for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                         "--window-size=1280,1600"):
            options.add_argument(argument)
        driver = webdriver.Chrome(service=Service(executable_path=chromedriver), options=options)
        driver.set_script_timeout(30)
        for page in PAGES:
            started = time.perf_counter()
            driver.get(base + page)
            loaded = time.perf_counter() - started
            images = _images_loaded(driver)
            broken = [image["src"] for image in images if not image["complete"] or image["width"] <= 0]
            assert not broken, f"/{page}: images that did not load: {broken}"
            name = page.strip("/") or "home"
            driver.save_screenshot(os.path.join(artifacts, f"{name}.png"))
            # Nothing is fetched from outside the local server: an offline browser never waits for it.
            outside = driver.execute_script(
                "return Array.from(document.querySelectorAll('link[href], script[src]'))"
                ".map(e => e.href || e.src).filter(u => u.startsWith('http') && !u.startsWith(arguments[0]))", base)
            assert not outside, f"/{page} loads {outside}"
            if page == "zoo/":
                print(f"/zoo/ loaded in {loaded:.2f} s")
                assert loaded <= ZOO_LOAD_SECONDS, f"/zoo/ took {loaded:.2f} s to load"
                thumbnails = {image["src"].rsplit("/", 1)[-1] for image in images if "/images/zoo/" in image["src"]}
                assert thumbnails >= {f"{name}.png" for name in families.names()}
                # The zoo table fits the 1280-pixel window: no sideways scrolling.
                overflow = driver.execute_script(
                    "return Array.from(document.querySelectorAll('.md-typeset table')).map("
                    "t => (t.closest('.md-typeset__scrollwrap') || t).scrollWidth"
                    " - (t.closest('.md-typeset__scrollwrap') || t).clientWidth)")
                assert overflow and max(overflow) <= 1, f"the zoo table scrolls sideways by {overflow} px"
            if page == "dcgan/":
                assert images, "the DCGAN page shows no figure"
        # The API pages: an entry for every public model name.
        import keras_gen.models

        driver.get(base + "api/models/")
        ids = set(driver.execute_script("return Array.from(document.querySelectorAll('[id]')).map(e => e.id)"))
        missing = [name for name in keras_gen.models.__all__ if f"keras_gen.models.{name}" not in ids]
        assert not missing, f"api/models/ has no entry for {missing}"
        driver.save_screenshot(os.path.join(artifacts, "api_models.png"))
    finally:
        if driver is not None:
            driver.quit()
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.kill(server.pid, 9)
    assert os.path.exists(os.path.join(artifacts, "zoo.png"))
