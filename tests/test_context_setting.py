"""explorer.i18n.setting.ContextSetting: `using`'s value in this context, else the installed source's, else
the default; only allowed values count; contexts (threads) never see each other's `using`."""

from __future__ import annotations

import threading

from explorer.i18n.setting import ContextSetting


def setting(**kwargs) -> ContextSetting:
    return ContextSetting("test_setting", **{"allowed": ("a", "b", "c"), "default": "a", **kwargs})


def test_the_default_when_nothing_says_otherwise():
    assert setting().current() == "a"


def test_an_installed_source_says_the_value_and_none_uninstalls_it():
    s = setting()
    s.install(lambda: "b")
    assert s.current() == "b"
    s.install(lambda: None)
    assert s.current() == "a"
    s.install(None)
    assert s.current() == "a"


def test_using_comes_first_inside_the_block_and_is_undone_after():
    s = setting()
    s.install(lambda: "b")
    with s.using("c"):
        assert s.current() == "c"
        with s.using("a"):
            assert s.current() == "a"
        assert s.current() == "c"
    assert s.current() == "b"


def test_using_is_undone_when_the_block_raises():
    s = setting()
    try:
        with s.using("c"):
            raise RuntimeError
    except RuntimeError:
        pass
    assert s.current() == "a"


def test_a_value_not_allowed_reads_as_the_default():
    s = setting()
    s.install(lambda: "jet")
    assert s.current() == "a"
    with s.using("zz"):
        assert s.current() == "a"


def test_allowed_may_be_read_when_asked():
    allowed = {"a"}
    s = setting(allowed=lambda: allowed)
    with s.using("b"):
        assert s.current() == "a"
        allowed.add("b")  # a language added after the setting was made
        assert s.current() == "b"


def test_threads_see_only_their_own_using():
    s = setting()
    both_inside = threading.Barrier(2, timeout=10)
    seen: dict[str, str] = {}

    def run(value: str) -> None:
        with s.using(value):
            both_inside.wait()  # each reads while the other's block is open
            seen[value] = s.current()

    threads = [threading.Thread(target=run, args=(v,)) for v in ("b", "c")]
    with s.using("c"):
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert s.current() == "c"
    assert seen == {"b": "b", "c": "c"} and s.current() == "a"
