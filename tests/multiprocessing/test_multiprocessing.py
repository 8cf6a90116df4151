"""ember.multiprocessing against torch.multiprocessing: the module's names, shared-memory tensors
seen across fork and spawn, tensors on queues travelling as handles, spawn() and its errors, and
Hogwild training of one shared model by several processes."""
import multiprocessing
import os

import pytest
import torch

import ember
import ember.multiprocessing as emp
import torch.multiprocessing as tmp
from ember.multiprocessing.reductions import ForkingPickler
from tests.multiprocessing import workers

METHODS = ["fork", "spawn"]


@pytest.fixture(autouse=True)
def no_leaked_segments():
    """Shared memory is unlinked at once: /dev/shm holds nothing of ours after a test."""
    before = set(os.listdir("/dev/shm"))
    yield
    assert {n for n in set(os.listdir("/dev/shm")) - before if n.startswith("ember")} == set()


def test_module_has_torchs_names():
    for name in tmp.__all__ + ["spawn", "start_processes", "ProcessContext", "ProcessRaisedException",
                               "ProcessExitedException", "SpawnContext"]:
        assert hasattr(emp, name), name
    assert emp.get_all_sharing_strategies() == tmp.get_all_sharing_strategies()
    assert emp.get_sharing_strategy() == tmp.get_sharing_strategy()
    errors = []
    for lib in (tmp, emp):
        with pytest.raises(AssertionError) as info:
            lib.set_sharing_strategy("bogus")
        errors.append(str(info.value))
    # the set's order in the message depends on string hashing: compare up to it
    assert errors[0].split("{")[0] == errors[1].split("{")[0] == "invalid sharing strategy 'bogus', expected one of "
    emp.set_sharing_strategy("file_system")
    assert emp.get_sharing_strategy() == "file_system"
    emp.set_sharing_strategy("file_descriptor")
    assert issubclass(emp.ProcessRaisedException, Exception) and emp.Queue is multiprocessing.Queue


@pytest.mark.parametrize("make", [lambda lib: lib.arange(6.0).reshape(2, 3)[:, 1:],
                                  lambda lib: lib.zeros(4, dtype=lib.int64),
                                  lambda lib: lib.nn.Parameter(lib.ones(3))])
def test_share_memory_keeps_values_and_layout(make):
    e, t = make(ember), make(torch)
    assert e.is_shared() == t.is_shared() is False
    assert e.share_memory_() is e and t.share_memory_() is t
    assert e.is_shared() and t.is_shared()
    assert e.tolist() == t.tolist() and e.stride() == t.stride() and e.storage_offset() == t.storage_offset()
    assert type(e).__name__ == type(t).__name__ and e.requires_grad == t.requires_grad


@pytest.mark.parametrize("method", METHODS)
def test_children_write_into_shared_tensor(method):
    shared = ember.zeros(3).share_memory_()
    private = ember.zeros(3)
    ctx = multiprocessing.get_context(method)
    procs = [ctx.Process(target=workers.add_rank, args=(i, shared)) for i in range(3)]
    if method == "fork":
        procs.append(ctx.Process(target=workers.add_rank, args=(0, private)))
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=120)
        assert p.exitcode == 0
    assert shared.tolist() == [1.0, 2.0, 3.0]
    assert private.tolist() == [0.0, 0.0, 0.0]  # a forked child's copy of private memory stays its own


@pytest.mark.parametrize("method", METHODS)
def test_queue_carries_tensors_through_shared_memory(method):
    ctx = multiprocessing.get_context(method)
    inbox, outbox = ctx.Queue(), ctx.Queue()
    child = ctx.Process(target=workers.echo_incremented, args=(inbox, outbox))
    child.start()
    try:
        base = ember.arange(12.0).reshape(3, 4)
        sent = [base[:, 1:3], ember.arange(5, dtype=ember.int32), ember.zeros(0)]
        for t in sent:
            inbox.put(t)
            assert outbox.get(timeout=120) == (True, t.shape, t.stride(), t.storage_offset(), t.dtype)
        assert sent[0].tolist() == [[2.0, 3.0], [6.0, 7.0], [10.0, 11.0]]  # the child's add_ is seen here
        assert sent[1].tolist() == [1, 2, 3, 4, 5] and base.is_shared() is False  # the view moved, not its base
    finally:
        inbox.put(None)
        child.join(timeout=120)
    assert child.exitcode == 0


def test_pickled_tensor_is_a_handle_not_its_bytes():
    big = ember.zeros(1 << 18)  # 1 MiB
    assert len(ForkingPickler.dumps(big)) < 2000
    assert big.is_shared()


def test_non_leaf_requiring_grad_is_refused_like_torch():
    errors = []
    for lib in (torch, ember):
        with pytest.raises(RuntimeError) as info:
            ForkingPickler.dumps(lib.ones(2, requires_grad=True) * 2)
        errors.append(str(info.value))
    assert errors[0] == errors[1]


@pytest.mark.parametrize("method", METHODS)
def test_hogwild_trains_one_shared_model(method):
    ember.manual_seed(0)
    model = ember.nn.Linear(5, 1)
    before = workers.loss_of(model)
    model.share_memory()
    assert all(p.is_shared() for p in model.parameters())
    emp.start_processes(workers.hogwild_train, args=(model, 40), nprocs=2, start_method=method)
    after = workers.loss_of(model)
    assert after < before / 20, (before, after)


@pytest.mark.parametrize("method", METHODS)
def test_spawn_reports_a_childs_exception(method):
    with pytest.raises(emp.ProcessRaisedException) as info:
        emp.start_processes(workers.fail_on_rank_one, nprocs=2, start_method=method)
    assert info.value.error_index == 1
    text = str(info.value)
    assert text.startswith("\n\n-- Process 1 terminated with the following error:\nTraceback (most recent call last):")
    assert text.rstrip().endswith("ValueError: rank one failed")


def test_spawn_without_join_returns_the_context():
    context = emp.start_processes(workers.add_rank, args=(ember.zeros(2).share_memory_(),), nprocs=2, join=False,
                                  start_method="fork")
    assert isinstance(context, emp.ProcessContext) and len(context.pids()) == 2
    while not context.join(timeout=60):
        pass
    assert all(p.exitcode == 0 for p in context.processes)


def test_hogwild_program_under_ember_run():
    # spawned children of `ember run` resolve torch to Ember as well (they re-import the program);
    # torch itself prints these lines for this program
    import subprocess
    import sys
    program = os.path.join(os.path.dirname(__file__), "hogwild_program.py")
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env = dict(os.environ, PYTHONPATH=os.path.join(root, "src"))
    done = subprocess.run([sys.executable, "-m", "ember", "run", program], capture_output=True, text=True, env=env,
                          timeout=240)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["loss before > 1: True", "loss after < 0.01: True exit codes: [0, 0]",
                                        "weights: [1.0, -2.0, 0.5, 3.0]"]


def test_plain_multiprocessing_sends_shared_tensors_as_handles():
    # without importing ember.multiprocessing: sharing a tensor is enough, as `import torch` is in torch
    import subprocess
    import sys
    code = ("import ember\nfrom multiprocessing.reduction import ForkingPickler\n"
            "t = ember.zeros(1 << 16).share_memory_()\nprint(len(ForkingPickler.dumps(t)) < 2000)")
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          env=dict(os.environ, PYTHONPATH=os.path.join(root, "src")))
    assert done.stdout.strip() == "True", done.stderr
