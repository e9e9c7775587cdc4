"""No silent wrong text (issue 14 §4): a font family that is not installed, and characters
that no installed font covers (CJK without a CJK font), warn once, naming what to install.

The missing-CJK-font case runs in a child process whose fontconfig sees only the DejaVu
fonts (FONTCONFIG_FILE), so this machine's real fontconfig and Cairo decide what is
covered; nothing is mocked.
"""
import os
import subprocess
import sys
import textwrap
import warnings

import pytest

import scenevis as sv

DEJAVU = "/usr/share/fonts/truetype/dejavu"


def draw(strings, **options):
    return sv.render(sv.texts(strings, [[0, 20 * i] for i in range(len(strings))], **options))


def test_an_unknown_family_warns_once_naming_the_font_to_install():
    family = "Surely Not An Installed Family"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        draw(["abc", "def"], font_family=family)
        draw(["ghi"], font_family=family)
    messages = [str(w.message) for w in caught if family in str(w.message)]
    assert len(messages) == 1, messages
    assert "is not installed" in messages[0] and f"install a font providing {family!r}" in messages[0]


@pytest.mark.parametrize("family", ["DejaVu Sans", "dejavu serif", "sans-serif", "monospace"])
def test_installed_and_generic_families_do_not_warn(family):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        draw(["abc"], font_family=family)


MISSING_CJK = textwrap.dedent("""
    import warnings, scenevis as sv
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        sv.render(sv.texts(["行人", "自行车 bus"], [[0, 0], [0, 30]], font_size=20))
        sv.render(sv.texts(["大"], [[0, 0]], font_size=20))
    for w in caught:
        print(w.category.__name__, w.message)
""")


@pytest.mark.skipif(not os.path.isdir(DEJAVU), reason=f"needs the DejaVu fonts in {DEJAVU}")
def test_cjk_text_without_a_cjk_font_warns_once_naming_the_font_to_install(tmp_path):
    config = tmp_path / "fonts.conf"
    config.write_text(f'<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n'
                      f"<fontconfig><dir>{DEJAVU}</dir><cachedir>{tmp_path / 'cache'}</cachedir></fontconfig>\n")
    env = dict(os.environ, FONTCONFIG_FILE=str(config))
    done = subprocess.run([sys.executable, "-c", MISSING_CJK], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    lines = [line for line in done.stdout.splitlines() if "CJK" in line]
    assert len(lines) == 1, done.stdout
    assert lines[0].startswith("UserWarning") and "drawn as boxes" in lines[0]
    assert "fonts-wqy-microhei" in lines[0] and "fonts-noto-cjk" in lines[0]


def test_cjk_text_with_a_cjk_font_installed_does_not_warn():
    from scenevis.renderer.context import current

    if current().fonts.index.family_for("行") is None:
        pytest.skip("no CJK font installed here")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        draw(["行人 自行车"], font_size=24)
