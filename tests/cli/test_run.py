"""`ember run`: PyTorch programs run unchanged, torch and torchvision resolved to Ember."""
import importlib.util
import json
import pkgutil
import textwrap

import pytest
import torch


def write(path, source):
    path.write_text(textwrap.dedent(source).lstrip("\n"))
    return path


@pytest.mark.parametrize("launcher", ["python -m ember", "ember"])
def test_argv_name_and_file_are_those_of_a_script(ember, tmp_path, launcher):
    write(tmp_path / "prog.py", """
        import json, sys
        print(json.dumps({"argv": sys.argv, "name": __name__, "file": __file__}))
    """)
    result = ember("run", "prog.py", "a", "--flag", "-x", "3", launcher=launcher)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"argv": ["prog.py", "a", "--flag", "-x", "3"], "name": "__main__",
                                         "file": "prog.py"}


def test_script_folder_is_on_sys_path_and_exit_status_passes_through(ember, tmp_path):
    (tmp_path / "sub").mkdir()
    write(tmp_path / "sub" / "helper.py", "VALUE = 41\n")
    write(tmp_path / "sub" / "prog.py", """
        import sys, helper
        print(helper.VALUE + 1)
        sys.exit(3)
    """)
    result = ember("run", "sub/prog.py")
    assert (result.returncode, result.stdout) == (3, "42\n")


def test_run_module(ember, tmp_path):
    write(tmp_path / "mod.py", """
        import sys, torch
        print(__name__, sys.argv[1:], torch.nn.Linear.__module__.split(".")[0])
    """)
    result = ember("run", "-m", "mod", "x", "y")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "__main__ ['x', 'y'] ember\n"


# (import statement, PyTorch name in the program, the Ember object it must be)
ALIASES = [
    ("import torch", "torch.Tensor", "ember.Tensor"),
    ("import torch", "torch.utils.data.DataLoader", "ember.utils.data.DataLoader"),
    ("import torch.nn as nn", "nn.Linear", "ember.nn.Linear"),
    ("import torch.nn.functional as F", "F.relu", "ember.nn.functional.relu"),
    ("from torch import nn", "nn.Module", "ember.nn.Module"),
    ("from torch.nn import functional", "functional.log_softmax", "ember.nn.functional.log_softmax"),
    ("import torch.optim as optim", "optim.Adadelta", "ember.optim.Adadelta"),
    ("from torch.optim import SGD", "SGD", "ember.optim.SGD"),
    ("from torch.utils.data import DataLoader", "DataLoader", "ember.utils.data.DataLoader"),
    ("import torch.utils.data as data", "data.TensorDataset", "ember.utils.data.TensorDataset"),
    ("import torch.autograd", "torch.autograd.grad", "ember.autograd.grad"),
    ("import torchvision", "torchvision.datasets.MNIST", "ember.vision.datasets.MNIST"),
    ("from torchvision import datasets, transforms", "transforms.Normalize", "ember.vision.transforms.Normalize"),
    ("import torchvision.datasets", "torchvision.datasets.CIFAR10", "ember.vision.datasets.CIFAR10"),
    ("from torchvision.transforms import ToTensor", "ToTensor", "ember.vision.transforms.ToTensor"),
    ("import torchvision.models as models", "models.resnet18", "ember.vision.models.resnet18"),
    ("from torchvision.utils import make_grid", "make_grid", "ember.vision.utils.make_grid"),
    ("import torch.backends.cudnn as cudnn", "cudnn.is_available", "ember.backends.cudnn.is_available"),
]


@pytest.fixture(scope="module")
def alias_results(tmp_path_factory, run_ember):
    """Runs every ALIASES import in one `ember run` (one process start for all cases)."""
    folder = tmp_path_factory.mktemp("aliases")
    write(folder / "aliases.py", f"""
        import importlib, json, sys
        import ember
        results = {{}}
        for stmt, name, target in {ALIASES!r}:
            scope = {{"ember": ember}}
            try:
                exec(stmt, scope)
                results[stmt + " | " + name] = eval(name, scope) is eval(target, scope)
            except Exception as e:
                results[stmt + " | " + name] = f"{{type(e).__name__}}: {{e}}"
        # the real PyTorch must not have been imported along the way
        results["no real torch"] = [m for m, mod in sys.modules.items()
                                    if "site-packages/torch" in (getattr(mod, "__file__", None) or "")]
        print(json.dumps(results))
    """)
    result = run_ember("run", "aliases.py", cwd=folder)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize("stmt, name, target", ALIASES, ids=[f"{s} | {n}" for s, n, _ in ALIASES])
def test_torch_and_torchvision_names_are_embers_objects(alias_results, stmt, name, target):
    assert alias_results[stmt + " | " + name] is True


def test_real_pytorch_is_never_imported(alias_results):
    assert alias_results["no real torch"] == []


def test_modules_keep_pytorchs_names_and_assignments_reach_ember(ember, tmp_path):
    write(tmp_path / "prog.py", """
        import torch, torch.nn as nn, torch.nn.functional as F, torchvision, ember
        import torch.backends.cudnn as cudnn
        cudnn.benchmark = True
        torch.my_flag = 7
        print(torch.__name__, nn.__name__, F.__name__, torchvision.__name__, torch.nn is nn,
              ember.backends.cudnn.benchmark, ember.my_flag)
    """)
    result = ember("run", "prog.py")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["torch", "torch.nn", "torch.nn.functional", "torchvision", "True", "True", "7"]


def missing_from_ember(torch_module, ember_module):
    """A public name PyTorch's module has and Ember's lacks (so the test tracks what Ember implements)."""
    return next(n for n in sorted(dir(torch_module)) if not n.startswith("_") and not hasattr(ember_module, n)
                and callable(getattr(torch_module, n))
                and getattr(getattr(torch_module, n), "__module__", "").startswith("torch"))


@pytest.mark.parametrize("module", ["torch", "torch.nn", "torch.nn.functional"])
def test_missing_attribute_fails_at_once_naming_the_pytorch_api(ember, tmp_path, module):
    ember_module = importlib.import_module(module.replace("torch", "ember", 1))
    name = missing_from_ember(importlib.import_module(module), ember_module)
    write(tmp_path / "prog.py", f"""
        import {module}
        print(hasattr({module}, "{name}"))
        try:
            {module}.{name}
        except NotImplementedError as e:
            print(isinstance(e, AttributeError))
        y = {module}.{name}
    """)
    result = ember("run", "prog.py")
    assert result.returncode == 1
    assert result.stdout.split() == ["False", "True"]
    lines = result.stderr.strip().splitlines()
    assert lines[-1].endswith(f"{module}.{name} is not implemented in Ember")
    # the traceback starts in the program, at the line that used the name
    assert lines[0] == "Traceback (most recent call last):"
    assert lines[1].strip() == 'File "prog.py", line 7, in <module>'


def test_missing_module_fails_at_import_naming_it(ember, tmp_path):
    missing = [m.name for m in pkgutil.iter_modules(torch.__path__) if not m.name.startswith("_")
               and importlib.util.find_spec("ember." + m.name) is None]
    name = "distributions" if "distributions" in missing else missing[0]
    write(tmp_path / "prog.py", f"""
        try:
            import torch.{name}
        except ImportError as e:
            print(type(e).__mro__[1].__name__, isinstance(e, NotImplementedError), e.name)
        from torch.{name} import Something
    """)
    result = ember("run", "prog.py")
    assert result.returncode == 1
    assert result.stdout.split() == ["ModuleNotFoundError", "True", f"ember.{name}"]
    assert result.stderr.strip().splitlines()[-1].endswith(f"torch.{name} is not implemented in Ember")


def test_from_import_of_a_missing_name_says_so(ember, tmp_path):
    name = missing_from_ember(torch.nn, importlib.import_module("ember.nn"))
    write(tmp_path / "prog.py", f"from torch.nn import Linear, {name}\n")
    result = ember("run", "prog.py")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1].endswith(f"torch.nn.{name} is not implemented in Ember")


def test_error_in_program_shows_its_traceback_only(ember, tmp_path):
    write(tmp_path / "prog.py", """
        def f():
            raise ValueError("boom")
        f()
    """)
    result = ember("run", "prog.py")
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "Traceback (most recent call last):",
        '  File "prog.py", line 3, in <module>',
        "    f()",
        '  File "prog.py", line 2, in f',
        '    raise ValueError("boom")',
        "ValueError: boom",
    ]


def test_missing_script_and_usage(ember):
    result = ember("run", "nope.py")
    assert result.returncode == 1 and "nope.py" in result.stderr
    usage = ember("run")
    assert usage.returncode == 2 and "ember run SCRIPT" in usage.stdout
