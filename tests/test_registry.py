"""Registry and named global instances (issue 4 §3)."""
import copy
import threading
import uuid
import warnings

import pytest

from scenevis.registry import VISBACKENDS, VISUALIZERS, ManagedInstances, Registry


def unique(prefix="x"):
    return f"{prefix}_{uuid.uuid4().hex[:8]}"


# ---------------------------------------------------------------- Registry


def test_register_as_decorator_and_call():
    reg = Registry("things")

    @reg.register_module()
    class Alpha:
        def __init__(self, a=1):
            self.a = a

    class Beta:
        pass

    assert reg.register_module(module=Beta) is Beta
    reg.register_module(name="Gamma", module=Beta)
    assert reg.get("Alpha") is Alpha and reg.get("Beta") is Beta and reg.get("Gamma") is Beta
    assert "Alpha" in reg and "Nope" not in reg
    assert len(reg) == 3
    assert set(reg.module_dict) == {"Alpha", "Beta", "Gamma"}


def test_decorator_with_name_and_list_of_names():
    reg = Registry("things")

    @reg.register_module(name=["One", "Uno"])
    def make(x=0):
        return ("made", x)

    assert reg.get("One") is make and reg.get("Uno") is make
    assert reg.build(dict(type="Uno", x=3)) == ("made", 3)


def test_get_unknown_returns_none_like_mmengine():
    reg = Registry("things")
    assert reg.get("Missing") is None


def test_scoped_key_falls_back_to_bare_name():
    reg = Registry("things")
    reg.register_module(module=dict, name="D")
    assert reg.get("mmdet.D") is dict


def test_duplicate_name_is_keyerror_unless_forced():
    reg = Registry("things")

    class A:
        pass

    class B:
        pass

    reg.register_module(name="X", module=A)
    reg.register_module(name="X", module=A)  # same object again: harmless
    with pytest.raises(KeyError, match="already registered"):
        reg.register_module(name="X", module=B)
    assert reg.get("X") is A
    reg.register_module(name="X", module=B, force=True)
    assert reg.get("X") is B


def test_register_rejects_bad_arguments():
    reg = Registry("things")
    with pytest.raises(TypeError, match="force"):
        reg.register_module(force=1)
    with pytest.raises(TypeError, match="name"):
        reg.register_module(name=3)
    with pytest.raises(TypeError, match="module"):
        reg.register_module(module=42)


def test_module_dict_is_the_table_and_popping_unregisters():
    # MMEngine's module_dict is the registry's dict; code written for it removes a
    # test-only class with module_dict.pop(name) and registers the name again later.
    reg = Registry("things")
    reg.register_module(module=dict, name="D")
    table = reg.module_dict
    assert type(table) is dict
    assert table.pop("D") is dict
    assert reg.get("D") is None and "D" not in reg
    reg.register_module(module=list, name="D")  # the name is free again
    assert reg.get("D") is list and table["D"] is list


def test_build_by_name_or_class_without_mutating_cfg():
    reg = Registry("things")

    @reg.register_module()
    class Thing:
        def __init__(self, size, inner=None, color="red"):
            self.size, self.inner, self.color = size, inner, color

    inner = dict(k=[1, 2])
    cfg = dict(type="Thing", size=3, inner=inner)
    before = copy.deepcopy(cfg)
    obj = reg.build(cfg)
    assert isinstance(obj, Thing) and obj.size == 3 and obj.color == "red"
    assert cfg == before and cfg["inner"] is inner
    obj2 = reg.build(dict(type=Thing, size=4))
    assert obj2.size == 4


def test_build_default_args():
    reg = Registry("things")

    @reg.register_module()
    class Thing:
        def __init__(self, size, color="red"):
            self.size, self.color = size, color

    defaults = dict(color="blue", size=9)
    assert reg.build(dict(type="Thing", size=1), default_args=defaults).color == "blue"
    assert reg.build(dict(type="Thing", size=1), default_args=defaults).size == 1
    assert reg.build(dict(type="Thing"), color="green", size=2).color == "green"
    assert defaults == dict(color="blue", size=9)
    assert reg.build(dict(size=5), default_args=dict(type="Thing")).size == 5


def test_build_unknown_type_names_known_ones():
    reg = Registry("things")
    reg.register_module(module=dict, name="Known")
    with pytest.raises(KeyError, match="Known") as info:
        reg.build(dict(type="Unknown"))
    assert "Unknown" in str(info.value)
    with pytest.raises(KeyError, match="type"):
        reg.build(dict(size=1))
    with pytest.raises(TypeError, match="cfg"):
        reg.build(["type", "Known"])
    with pytest.raises(TypeError, match="type"):
        reg.build(dict(type=3))


def test_build_accepts_config_like_objects():
    reg = Registry("things")
    reg.register_module(module=dict, name="D")

    class FakeConfig:  # mmengine.Config is not a Mapping but has to_dict()
        def to_dict(self):
            return {"type": "D", "a": 1}

    assert reg.build(FakeConfig()) == {"a": 1}


def test_custom_build_func():
    calls = []

    def build(cfg, registry, default_args=None):
        calls.append((dict(cfg), registry, default_args))
        return "built"

    reg = Registry("things", build_func=build)
    assert reg.build(dict(type="Whatever")) == "built"
    assert calls[0][1] is reg


def test_global_registries_exist():
    assert VISUALIZERS.name == "visualizer" and VISBACKENDS.name == "vis_backend"


# ---------------------------------------------------------------- named instances


class Managed(ManagedInstances):
    def __init__(self, name="managed", value=0):
        super().__init__(name)
        self.value = value


class ManagedSub(Managed):
    pass


class Other(ManagedInstances):
    def __init__(self, name="other"):
        super().__init__(name)


def test_get_instance_creates_once_and_returns_same():
    name = unique()
    a = Managed.get_instance(name, value=5)
    assert Managed.get_instance(name) is a
    assert a.instance_name == name and a.value == 5
    assert Managed.check_instance_created(name)
    assert not Managed.check_instance_created(unique())


def test_get_instance_warns_about_ignored_kwargs():
    name = unique()
    a = Managed.get_instance(name, value=1)
    with pytest.warns(UserWarning, match="ignores"):
        b = Managed.get_instance(name, value=2)
    assert b is a and a.value == 1
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Managed.get_instance(name)


def test_current_instance_includes_subclasses():
    sub = ManagedSub.get_instance(unique("sub"))
    assert Managed.get_current_instance() is sub
    assert ManagedSub.get_current_instance() is sub
    base = Managed.get_instance(unique("base"))
    assert Managed.get_current_instance() is base
    assert ManagedSub.get_current_instance() is sub  # base is not a ManagedSub


def test_base_get_instance_finds_subclass_instance_by_name():
    name = unique()
    sub = ManagedSub.get_instance(name)
    assert Managed.get_instance(name) is sub
    assert Managed.check_instance_created(name)
    assert not Other.check_instance_created(name)


def test_current_instance_without_any_is_runtime_error():
    class Lonely(ManagedInstances):
        def __init__(self, name="x"):
            super().__init__(name)

    with pytest.raises(RuntimeError, match="Lonely"):
        Lonely.get_current_instance()


def test_direct_construction_is_not_recorded():
    name = unique()
    Managed(name)
    assert not Managed.check_instance_created(name)


def test_bad_name_is_rejected():
    with pytest.raises(TypeError, match="name"):
        Managed.get_instance(3)
    with pytest.raises(TypeError, match="name"):
        Managed.get_instance("")


class Exploding(ManagedInstances):
    def __init__(self, name="boom", explode=True):
        super().__init__(name)
        if explode:
            raise OSError("cannot open")


def test_failed_init_releases_lock_and_records_nothing():
    name = unique()
    with pytest.raises(OSError):
        Exploding.get_instance(name)
    assert not Exploding.check_instance_created(name)
    # The lock is free: another thread can take it right away.
    done = []
    thread = threading.Thread(target=lambda: done.append(Exploding.get_instance(name, explode=False)))
    thread.start()
    thread.join(timeout=10)
    assert done and done[0].instance_name == name


def test_concurrent_get_instance_creates_one_instance():
    created = []

    class Counted(ManagedInstances):
        def __init__(self, name="c"):
            super().__init__(name)
            created.append(self)

    name = unique()
    barrier = threading.Barrier(16)
    results = []

    def worker():
        barrier.wait()
        results.append(Counted.get_instance(name))

    threads = [threading.Thread(target=worker) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert len(created) == 1
    assert len(results) == 16 and all(r is created[0] for r in results)


def test_registry_build_goes_through_get_instance():
    reg = Registry("visualizers_for_test")
    reg.register_module(module=Managed)
    name = unique("vis_new")
    cfg = dict(type="Managed", name=name, value=7)
    built = reg.build(cfg)
    assert cfg == dict(type="Managed", name=name, value=7)
    assert Managed.get_current_instance() is built
    assert Managed.get_instance(name) is built and built.value == 7


def test_registry_build_of_managed_class_uses_default_name():
    class Defaulted(ManagedInstances):
        def __init__(self, name="the_default"):
            super().__init__(name)

    reg = Registry("tmp")
    built = reg.build(dict(type=Defaulted))
    assert built.instance_name == "the_default"
    assert Defaulted.get_current_instance() is built
