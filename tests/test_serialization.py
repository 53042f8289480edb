"""save/load: checkpoints round-trip exactly, and a file that is not one of ours gives a clear error."""

import io
import json
import os
import pickle
import stat
import struct
import threading

import numpy as np
import pytest

import tinygrad_edu as tg

DTYPES = [tg.float32, tg.float64, tg.float16, tg.int64, tg.int32, tg.int8, tg.uint8, tg.bool]


def assert_same_tensor(loaded, original):
    assert isinstance(loaded, tg.Tensor)
    assert loaded.dtype == original.dtype and loaded.shape == original.shape
    np.testing.assert_array_equal(loaded.cpu().numpy(), original.detach().cpu().numpy())


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_tensors_of_every_dtype_round_trip(device, dtype, tmp_path):
    rng = np.random.default_rng(0)
    original = tg.tensor(rng.standard_normal((3, 4)) * 10, device=device).to(dtype)
    tg.save({"x": original}, tmp_path / "x.safetensors")
    loaded = tg.load(tmp_path / "x.safetensors")["x"]
    assert_same_tensor(loaded, original)
    assert loaded.device == original.device


def test_nested_structure_and_plain_values_round_trip(tmp_path):
    state = {
        "model": {"0.weight": tg.randn(4, 3), "0.bias": tg.zeros(4)},
        "optimizer": {"state": {0: {"step": 12, "exp_avg": tg.ones(2)}}, "param_groups": [{"lr": 0.1, "params": [0]}]},
        "betas": (0.9, 0.999),
        "scalar": tg.tensor(3.5),
        "empty": tg.zeros(0, 5),
        "name": "run-1",
        "flags": [True, False, None],
        "loss": float("nan"),
        "big": 2**62 + 1,
        "numpy_number": np.float32(0.5),
    }
    path = tmp_path / "checkpoint.safetensors"
    tg.save(state, path)
    loaded = tg.load(str(path))
    assert list(loaded) == list(state)
    assert list(loaded["model"]) == ["0.weight", "0.bias"]
    assert_same_tensor(loaded["model"]["0.weight"], state["model"]["0.weight"])
    assert_same_tensor(loaded["scalar"], state["scalar"])
    assert_same_tensor(loaded["empty"], state["empty"])
    assert list(loaded["optimizer"]["state"]) == [0]  # int keys stay ints
    assert type(loaded["optimizer"]["state"][0]["step"]) is int and loaded["optimizer"]["state"][0]["step"] == 12
    assert loaded["optimizer"]["param_groups"] == [{"lr": 0.1, "params": [0]}]
    assert loaded["betas"] == (0.9, 0.999)
    assert (loaded["name"], loaded["flags"], loaded["big"], loaded["numpy_number"]) == (
        "run-1",
        [True, False, None],
        2**62 + 1,
        0.5,
    )
    assert np.isnan(loaded["loss"])


def test_loaded_tensors_are_writable_copies(tmp_path):
    tg.save({"w": tg.ones(3)}, tmp_path / "w.safetensors")
    first = tg.load(tmp_path / "w.safetensors")["w"]
    first.add_(1)
    np.testing.assert_array_equal(tg.load(tmp_path / "w.safetensors")["w"].numpy(), [1.0, 1.0, 1.0])


def test_views_are_saved_with_their_own_values(tmp_path):
    base = tg.arange(12, dtype=tg.float32).reshape(3, 4)
    tg.save({"t": base.T, "column": base[:, 1]}, tmp_path / "views.safetensors")
    loaded = tg.load(tmp_path / "views.safetensors")
    np.testing.assert_array_equal(loaded["t"].numpy(), base.numpy().T)
    np.testing.assert_array_equal(loaded["column"].numpy(), [1.0, 5.0, 9.0])


def test_a_tensor_stored_twice_loads_as_one(tmp_path):
    shared = tg.randn(2, 2)
    tg.save({"encoder": shared, "decoder": shared, "other": tg.randn(2, 2)}, tmp_path / "tied.safetensors")
    loaded = tg.load(tmp_path / "tied.safetensors")
    assert loaded["encoder"] is loaded["decoder"]
    assert loaded["other"] is not loaded["encoder"]


def test_requires_grad_is_kept(tmp_path):
    tg.save([tg.ones(2, requires_grad=True), tg.ones(2)], tmp_path / "grad.safetensors")
    with_grad, without_grad = tg.load(tmp_path / "grad.safetensors")
    assert with_grad.requires_grad and with_grad.is_leaf
    assert not without_grad.requires_grad


def test_tensor_names_in_the_file_follow_the_structure(tmp_path):
    safetensors_numpy = pytest.importorskip("safetensors.numpy")
    state = {"0.weight": tg.ones(2), "state": {3: {"exp_avg": tg.zeros(1)}}, "pair": [tg.ones(1), tg.ones(1)]}
    tg.save(state, tmp_path / "names.safetensors")
    names = set(safetensors_numpy.load_file(tmp_path / "names.safetensors"))
    assert names == {"0.weight", "state.3.exp_avg", "pair.0", "pair.1"}


def test_map_location_moves_tensors(device, tmp_path):
    tg.save({"w": tg.ones(2, device=device)}, tmp_path / "w.safetensors")
    on_cpu = tg.load(tmp_path / "w.safetensors", map_location="cpu")["w"]
    assert on_cpu.device == tg.device("cpu")
    back = tg.load(tmp_path / "w.safetensors", map_location=tg.device(device))["w"]
    assert back.device == tg.device(device)
    np.testing.assert_array_equal(back.cpu().numpy(), [1.0, 1.0])


def test_saving_does_not_move_the_model(device, tmp_path):
    weight = tg.ones(2, device=device)
    tg.save({"w": weight}, tmp_path / "w.safetensors")
    assert weight.device == tg.device(device)


@pytest.mark.parametrize(
    "obj, message",
    [
        ({"w": np.zeros(2)}, r"can't store a ndarray at key \['w'\].*wrap it with tensor\(\)"),
        ({"layer": {"f": print}}, r"can't store a builtin_function_or_method at key \['layer'\]\['f'\]"),
        ({(1, 2): tg.ones(1)}, r"dict keys must be str or int, got \(1, 2\)"),
        (object(), "can't store a object at the top level"),
    ],
)
def test_saving_unsupported_values_fails_clearly(obj, message, tmp_path):
    with pytest.raises(TypeError, match=message):
        tg.save(obj, tmp_path / "bad.safetensors")
    assert not (tmp_path / "bad.safetensors").exists()


def test_save_and_load_refuse_what_is_neither_a_path_nor_a_file(tmp_path):
    with pytest.raises(TypeError, match="save: expected a file path .* or a binary file object, got int"):
        tg.save({}, 3)
    with pytest.raises(OSError, match="save: could not write"):
        tg.save({"w": tg.ones(1)}, tmp_path / "missing-directory" / "w.safetensors")
    with pytest.raises(TypeError, match="map_location must be a device .* got int"):
        tg.load(tmp_path / "f", map_location=3)
    with pytest.raises(TypeError, match="map_location as a function takes PyTorch storages"):
        tg.load(tmp_path / "f", map_location=lambda storage, location: storage)


def safetensors_bytes(header):
    text = json.dumps(header).encode()
    return struct.pack("<Q", len(text)) + text


def good_checkpoint(tmp_path):
    path = tmp_path / "good.safetensors"
    tg.save({"w": tg.arange(100, dtype=tg.float32)}, path)
    return path.read_bytes()


CORRUPT_FILES = {
    "empty": lambda tmp_path: b"",
    "random": lambda tmp_path: np.random.default_rng(0).bytes(5000),
    "pickle": lambda tmp_path: pickle.dumps({"w": [1.0, 2.0]}),
    "text": lambda tmp_path: b"weights = [1, 2, 3]\n",
    "truncated": lambda tmp_path: good_checkpoint(tmp_path)[:-37],
    "truncated-header": lambda tmp_path: good_checkpoint(tmp_path)[:12],
    "flipped-length": lambda tmp_path: b"\xff" + good_checkpoint(tmp_path)[1:],
}


@pytest.mark.parametrize("make_content", CORRUPT_FILES.values(), ids=CORRUPT_FILES.keys())
def test_a_file_that_is_not_a_checkpoint_gives_a_clear_error(make_content, tmp_path):
    path = tmp_path / "model.safetensors"
    path.write_bytes(make_content(tmp_path))
    with pytest.raises(ValueError, match=r"load: '.*model\.safetensors' is not a tinygrad_edu checkpoint"):
        tg.load(path)


DAMAGED_METADATA = {
    "not-json": "{not json",
    "wrong-version": json.dumps({"version": 99, "object": None}),
    "missing-tensor": json.dumps({"version": 1, "object": {"tensor": "nope", "device": "cpu"}}),
    "unknown-entry": json.dumps({"version": 1, "object": {"pickle": "os.system"}}),
    "bad-dict": json.dumps({"version": 1, "object": {"dict": [[1, 2, 3]]}}),
    "bad-device": json.dumps({"version": 1, "object": {"tensor": "w", "device": "cuda:x"}}),
    "device-not-a-string": json.dumps({"version": 1, "object": {"tensor": "w", "device": True}}),
    "requires-grad-not-a-bool": json.dumps({"version": 1, "object": {"tensor": "w", "requires_grad": "yes"}}),
    "requires-grad-on-an-int": json.dumps({"version": 1, "object": {"tensor": "n", "requires_grad": True}}),
}


@pytest.mark.parametrize("metadata", DAMAGED_METADATA.values(), ids=DAMAGED_METADATA.keys())
def test_damaged_metadata_gives_a_clear_error(metadata, tmp_path):
    header = {
        "__metadata__": {"tinygrad_edu": metadata},
        "w": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]},
        "n": {"dtype": "I64", "shape": [1], "data_offsets": [4, 12]},
    }
    path = tmp_path / "damaged.safetensors"
    path.write_bytes(safetensors_bytes(header) + b"\x00" * 12)
    with pytest.raises(ValueError, match=r"load: '.*damaged\.safetensors' has damaged tinygrad_edu metadata"):
        tg.load(path)


def test_missing_files_and_directories_are_named(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"'.*nothing\.safetensors' does not exist"):
        tg.load(tmp_path / "nothing.safetensors")
    with pytest.raises(FileNotFoundError, match="is a directory"):
        tg.load(tmp_path)


def test_a_device_that_is_not_available_suggests_map_location(tmp_path):
    header = {
        "__metadata__": {"tinygrad_edu": json.dumps({"version": 1, "object": {"tensor": "w", "device": "tpu"}})},
        "w": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]},
    }
    path = tmp_path / "tpu.safetensors"
    path.write_bytes(safetensors_bytes(header) + b"\x00" * 4)
    with pytest.raises(RuntimeError, match="tensor 'w' was saved on tpu.*pass map_location='cpu'"):
        tg.load(path)
    np.testing.assert_array_equal(tg.load(path, map_location="cpu").numpy(), [0.0])


def small_model():
    nn = tg.nn
    return nn.Sequential(nn.Conv2d(1, 4, 3), nn.BatchNorm2d(4), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 6 * 6, 3))


def test_a_models_state_round_trips_exactly(device, tmp_path):
    model = small_model().to(device)
    model(tg.randn(2, 1, 8, 8, device=device))  # moves BatchNorm's running statistics and its int64 counter
    tg.save(model.state_dict(), tmp_path / "model.safetensors")
    restored = small_model().to(device)
    restored.load_state_dict(tg.load(tmp_path / "model.safetensors"))
    original_state, restored_state = model.state_dict(), restored.state_dict()
    assert list(restored_state) == list(original_state)
    for key, value in original_state.items():
        assert_same_tensor(restored_state[key], value)
    assert restored_state["1.num_batches_tracked"].dtype == tg.int64
    model.eval()
    restored.eval()
    x = tg.randn(3, 1, 8, 8, device=device)
    np.testing.assert_array_equal(restored(x).detach().cpu().numpy(), model(x).detach().cpu().numpy())


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"tensor": "w", "device": True}, r"tensor 'w': 'device' must be a string such as 'cpu', got true"),
        ({"tensor": "n", "requires_grad": True}, r"tensor 'n' is int64 but marked requires_grad"),
    ],
)
def test_wrong_metadata_names_the_file_and_the_tensor(entry, message, tmp_path):
    header = {
        "__metadata__": {"tinygrad_edu": json.dumps({"version": 1, "object": entry})},
        "w": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]},
        "n": {"dtype": "I64", "shape": [1], "data_offsets": [4, 12]},
    }
    path = tmp_path / "edited.safetensors"
    path.write_bytes(safetensors_bytes(header) + b"\x00" * 12)
    with pytest.raises(ValueError, match=r"load: '.*edited\.safetensors' has damaged .*" + message):
        tg.load(path)


@pytest.mark.parametrize(("dtype", "size"), [("BF16", 2), ("U64", 8), ("F8_E4M3", 1), ("U32", 4), ("C64", 8)])
@pytest.mark.parametrize("metadata", [{"tinygrad_edu": json.dumps({"version": 1, "object": {"tensor": "w"}})}, {}])
def test_a_dtype_tinygrad_edu_does_not_have_names_the_file_and_the_tensor(dtype, size, metadata, tmp_path):
    header = {"__metadata__": metadata, "w": {"dtype": dtype, "shape": [2], "data_offsets": [0, 2 * size]}}
    path = tmp_path / "exotic.safetensors"
    path.write_bytes(safetensors_bytes(header) + b"\x00" * (2 * size))
    with pytest.raises(ValueError, match=rf"load: '.*exotic\.safetensors': tensor 'w' has dtype \"{dtype}\", which"):
        tg.load(path)


# ----- file objects, PyTorch's keywords, plain safetensors files ----------------------------------


def test_save_and_load_through_file_objects(tmp_path):
    buffer = io.BytesIO()
    tg.save({"w": tg.arange(6.0).reshape(2, 3), "step": 7}, buffer)
    buffer.seek(0)
    restored = tg.load(buffer)
    np.testing.assert_array_equal(restored["w"].numpy(), np.arange(6.0).reshape(2, 3))
    assert restored["step"] == 7
    with open(tmp_path / "model.safetensors", "wb") as file:
        tg.save({"b": tg.ones(2)}, file)
    with open(tmp_path / "model.safetensors", "rb") as file:
        np.testing.assert_array_equal(tg.load(file)["b"].numpy(), [1.0, 1.0])


def test_a_file_object_in_text_mode_or_with_garbage_is_refused_clearly(tmp_path):
    (tmp_path / "model.safetensors").write_bytes(b"\x01\x02")
    with open(tmp_path / "model.safetensors", encoding="latin-1") as file:
        with pytest.raises(TypeError, match=r"load: '.*model\.safetensors' gave str, not bytes; .* binary mode 'rb'"):
            tg.load(file)
    with pytest.raises(ValueError, match="load: the BytesIO object is not a tinygrad_edu checkpoint"):
        tg.load(io.BytesIO(b"not a checkpoint at all"))


@pytest.mark.parametrize("weights_only", [True, False, None])
def test_weights_only_is_accepted_and_loading_never_unpickles(weights_only, tmp_path):
    tg.save({"w": tg.ones(2)}, tmp_path / "model.safetensors")
    np.testing.assert_array_equal(tg.load(tmp_path / "model.safetensors", weights_only=weights_only)["w"].numpy(), 1)


def test_map_location_as_a_dict_maps_saved_devices(tmp_path):
    header = {
        "__metadata__": {
            "tinygrad_edu": json.dumps(
                {"version": 1, "object": {"list": [{"tensor": "a", "device": "cuda:0"}, {"tensor": "b"}]}}
            )
        },
        "a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]},
        "b": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]},
    }
    path = tmp_path / "gpu.safetensors"
    path.write_bytes(safetensors_bytes(header) + b"\x00" * 8)
    first, second = tg.load(path, map_location={"cuda:0": "cpu"})
    assert first.device == tg.device("cpu") and second.device == tg.device("cpu")
    with pytest.raises(RuntimeError, match="tensor 'a' was saved on cuda:0"):
        tg.load(path, map_location={"cuda:1": "cpu"})
    with pytest.raises(TypeError, match="map_location's keys and values must be devices"):
        tg.load(path, map_location={"cuda:0": 0.5})


def test_a_plain_safetensors_file_loads_as_a_dict_of_tensors(tmp_path):
    safetensors_numpy = pytest.importorskip("safetensors.numpy")
    model = small_model()
    arrays = {name: value.numpy() for name, value in model.state_dict().items()}
    safetensors_numpy.save_file(arrays, tmp_path / "hub.safetensors")
    loaded = tg.load(tmp_path / "hub.safetensors")
    assert sorted(loaded) == sorted(arrays)
    for name, tensor in loaded.items():
        assert isinstance(tensor, tg.Tensor) and tensor.dtype == tg.dtype(arrays[name].dtype)
        np.testing.assert_array_equal(tensor.numpy(), arrays[name])
    restored = small_model()
    restored.load_state_dict(loaded)
    for name, value in restored.state_dict().items():
        np.testing.assert_array_equal(value.numpy(), arrays[name])


def test_a_safetensors_file_written_by_pytorch_loads_into_the_same_model(torch, tmp_path):
    safetensors_torch = pytest.importorskip("safetensors.torch")
    torch.manual_seed(0)
    torch_model = torch.nn.Sequential(torch.nn.Conv2d(1, 4, 3), torch.nn.BatchNorm2d(4), torch.nn.Flatten())
    torch_model(torch.randn(2, 1, 8, 8))  # moves the running statistics
    safetensors_torch.save_file(torch_model.state_dict(), tmp_path / "torch.safetensors")
    model = tg.nn.Sequential(tg.nn.Conv2d(1, 4, 3), tg.nn.BatchNorm2d(4), tg.nn.Flatten())
    model.load_state_dict(tg.load(tmp_path / "torch.safetensors", map_location="cpu", weights_only=True))
    image = torch.randn(2, 1, 8, 8)
    torch_model.eval()
    model.eval()
    with torch.no_grad(), tg.no_grad():
        np.testing.assert_allclose(model(tg.tensor(image.numpy())).numpy(), torch_model(image).numpy(), atol=1e-5)


# ----- what save does to what is already at the path ----------------------------------------------


def test_saving_through_a_symlink_replaces_its_target_and_keeps_the_link(tmp_path):
    target = tmp_path / "weights-v2.safetensors"
    tg.save({"w": tg.zeros(1)}, target)
    link = tmp_path / "latest.safetensors"
    link.symlink_to(target.name)
    tg.save({"w": tg.ones(1)}, link)
    assert link.is_symlink() and os.readlink(link) == target.name
    np.testing.assert_array_equal(tg.load(target)["w"].numpy(), [1.0])


def test_saving_onto_a_named_pipe_writes_through_it(tmp_path):
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    received = []
    reader = threading.Thread(target=lambda: received.append(pipe.read_bytes()))
    reader.start()
    tg.save({"w": tg.arange(3.0)}, pipe)
    reader.join(timeout=10)
    assert stat.S_ISFIFO(os.stat(pipe).st_mode)
    np.testing.assert_array_equal(tg.load(io.BytesIO(received[0]))["w"].numpy(), [0.0, 1.0, 2.0])


def test_saving_onto_a_device_writes_through_it(tmp_path):
    null_device = tmp_path / "null"  # a copy of /dev/null: a broken save replaces this node, not the system's
    try:
        os.mknod(null_device, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except PermissionError:
        pytest.skip("creating a device node needs root (the named-pipe test covers writing through)")
    tg.save({"w": tg.ones(3)}, null_device)
    assert stat.S_ISCHR(os.stat(null_device).st_mode)


def test_saving_onto_a_directory_is_refused_clearly(tmp_path):
    with pytest.raises(IsADirectoryError, match=r"save: '.*' is a directory; give a file name"):
        tg.save({"w": tg.ones(1)}, tmp_path)


def test_a_new_file_gets_the_umask_mode_and_a_replaced_one_keeps_its_mode(tmp_path):
    old_umask = os.umask(0o027)
    try:
        tg.save({"w": tg.ones(1)}, tmp_path / "new.safetensors")
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE(os.stat(tmp_path / "new.safetensors").st_mode) == 0o640
    (tmp_path / "shared.safetensors").write_bytes(b"old")
    os.chmod(tmp_path / "shared.safetensors", 0o664)
    tg.save({"w": tg.ones(1)}, tmp_path / "shared.safetensors")
    assert stat.S_IMODE(os.stat(tmp_path / "shared.safetensors").st_mode) == 0o664


def test_temporaries_are_recognisable_and_stale_ones_are_removed(tmp_path, monkeypatch):
    stale = tmp_path / f".model.safetensors.{2**22 + 12345}-dead.tinygrad_edu-partial"  # above Linux's pid limit
    running = tmp_path / f".model.safetensors.{os.getpid()}-live.tinygrad_edu-partial"
    other = tmp_path / f".other.safetensors.{2**22 + 12345}-dead.tinygrad_edu-partial"
    for path in (stale, running, other):
        path.write_bytes(b"x" * 100)
    seen = []
    real_replace = os.replace
    monkeypatch.setattr(os, "replace", lambda source, target: (seen.append(source), real_replace(source, target)))
    tg.save({"w": tg.ones(1)}, tmp_path / "model.safetensors")
    assert not stale.exists() and running.exists() and other.exists()
    assert os.path.basename(seen[0]).startswith(".model.safetensors.") and seen[0].endswith(".tinygrad_edu-partial")


def test_an_interrupted_save_leaves_no_temporary_and_the_old_file(tmp_path, monkeypatch):
    tg.save({"w": tg.zeros(1)}, tmp_path / "model.safetensors")

    def killed(source, target):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", killed)
    with pytest.raises(KeyboardInterrupt):
        tg.save({"w": tg.ones(1)}, tmp_path / "model.safetensors")
    assert [path.name for path in tmp_path.iterdir()] == ["model.safetensors"]
    np.testing.assert_array_equal(tg.load(tmp_path / "model.safetensors")["w"].numpy(), [0.0])


@pytest.fixture
def read_only_directory(tmp_path, monkeypatch):
    """A directory where no file can be created (root ignores mode bits: os.open refuses as the kernel would)."""
    directory = tmp_path / "read-only"
    directory.mkdir()
    real_open = os.open

    def open_as_unprivileged_user(path, flags, *args, **kwargs):
        if flags & os.O_CREAT and os.path.dirname(os.fspath(path)) == str(directory):
            raise PermissionError(13, "Permission denied", path)
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", open_as_unprivileged_user)
    directory.chmod(0o555)
    yield directory
    directory.chmod(0o755)


def test_a_writable_file_in_a_read_only_directory_is_overwritten_in_place(read_only_directory):
    path = read_only_directory / "model.safetensors"
    os.chmod(read_only_directory, 0o755)
    path.write_bytes(b"old")
    os.chmod(read_only_directory, 0o555)
    tg.save({"w": tg.full((2,), 5.0)}, path)
    np.testing.assert_array_equal(tg.load(path)["w"].numpy(), [5.0, 5.0])


def test_a_new_file_in_a_read_only_directory_fails_naming_the_directory(read_only_directory):
    with pytest.raises(OSError, match=r"save: could not write .*the directory '.*read-only' is not writable"):
        tg.save({"w": tg.ones(1)}, read_only_directory / "model.safetensors")
