"""save/load: checkpoints round-trip exactly, and a file that is not one of ours gives a clear error."""

import json
import pickle
import struct

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


def test_save_and_load_take_paths_only(tmp_path):
    with pytest.raises(TypeError, match="save: expected a file path"):
        tg.save({}, open(tmp_path / "f", "wb"))
    with pytest.raises(OSError, match="save: could not write"):
        tg.save({"w": tg.ones(1)}, tmp_path / "missing-directory" / "w.safetensors")
    with pytest.raises(TypeError, match="map_location must be a device"):
        tg.load(tmp_path / "f", map_location={"cuda": "cpu"})


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


def test_a_safetensors_file_from_elsewhere_is_refused_with_a_hint(tmp_path):
    safetensors_numpy = pytest.importorskip("safetensors.numpy")
    path = tmp_path / "foreign.safetensors"
    safetensors_numpy.save_file({"w": np.zeros(2, dtype=np.float32)}, path)
    with pytest.raises(ValueError, match=r"not one written by tinygrad_edu.save .*safetensors.numpy.load_file"):
        tg.load(path)


DAMAGED_METADATA = {
    "not-json": "{not json",
    "wrong-version": json.dumps({"version": 99, "object": None}),
    "missing-tensor": json.dumps({"version": 1, "object": {"tensor": "nope", "device": "cpu"}}),
    "unknown-entry": json.dumps({"version": 1, "object": {"pickle": "os.system"}}),
    "bad-dict": json.dumps({"version": 1, "object": {"dict": [[1, 2, 3]]}}),
    "bad-device": json.dumps({"version": 1, "object": {"tensor": "w", "device": "cuda:x"}}),
}


@pytest.mark.parametrize("metadata", DAMAGED_METADATA.values(), ids=DAMAGED_METADATA.keys())
def test_damaged_metadata_gives_a_clear_error(metadata, tmp_path):
    header = {"__metadata__": {"tinygrad_edu": metadata}, "w": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}
    path = tmp_path / "damaged.safetensors"
    path.write_bytes(safetensors_bytes(header) + b"\x00" * 4)
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
