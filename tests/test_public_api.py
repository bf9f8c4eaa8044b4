"""Keep the public API honest: every name in __all__ exists and nothing private leaks."""

import gutbrain


def test_all_names_exist():
    for name in gutbrain.__all__:
        assert hasattr(gutbrain, name), name


def test_all_is_sorted_and_unique():
    names = [n for n in gutbrain.__all__ if not n.startswith("__")]
    assert names == sorted(names)
    assert len(set(gutbrain.__all__)) == len(gutbrain.__all__)


def test_no_stray_public_names():
    public = {n for n in vars(gutbrain) if not n.startswith("_")}
    # Subpackages are importable attributes once loaded; they are not API names.
    import types

    public = {n for n in public if not isinstance(getattr(gutbrain, n), types.ModuleType)}
    assert public <= set(gutbrain.__all__) | {"annotations", "version", "PackageNotFoundError"}
