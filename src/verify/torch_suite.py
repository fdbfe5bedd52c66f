# torchdoctor verify: the torch suite. Embedded in the binary and run with the chosen interpreter as
# `python -c <this> '<json options>'`; prints one line "TD-RESULT:" + a JSON list of checks.
# Each check: {"name", "status": pass|fail|skip, "detail", "ms", "device"}. Never raises.
import json
import os
import sys
import time
import traceback
import warnings

OPTS = json.loads(sys.argv[1]) if len(sys.argv) > 1 else {}
CHECKS = []


def add(name, status, detail, t0, device=""):
    CHECKS.append({"name": name, "status": status, "detail": str(detail)[:400], "device": device,
                   "ms": round((time.perf_counter() - t0) * 1000.0, 3)})


def run(name, fn, device=""):
    """Runs fn() -> (status, detail); an exception is a failure with its last line."""
    t0 = time.perf_counter()
    try:
        status, detail = fn()
    except Exception as e:  # noqa: BLE001 - every failure becomes a result
        last = traceback.format_exception_only(type(e), e)[-1].strip()
        status, detail = "fail", last
    add(name, status, detail, t0, device)
    return status


def finish():
    sys.stdout.write("TD-RESULT:" + json.dumps(CHECKS) + "\n")
    sys.stdout.flush()
    os._exit(0)  # DataLoader workers and compile threads must not keep us alive


t0 = time.perf_counter()
try:
    import torch
except Exception as e:  # noqa: BLE001
    add("import", "fail", "import torch failed: " + traceback.format_exception_only(type(e), e)[-1].strip(), t0)
    finish()
add("import", "pass", "torch %s (CUDA %s, cuDNN %s) from %s" % (
    torch.__version__, torch.version.cuda,
    torch.backends.cudnn.version() if torch.backends.cudnn.is_available() else None,
    os.path.dirname(torch.__file__)), t0)

VERSION = tuple(int(p) for p in torch.__version__.split("+")[0].split(".")[:2] if p.isdigit())


def cuda_state():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ok = torch.cuda.is_available()
    if ok:
        return "pass", "%d device(s)" % torch.cuda.device_count()
    if torch.version.cuda is None:
        why = "torch %s is a CPU-only build (torch.version.cuda is None)" % torch.__version__
        return ("fail" if OPTS.get("expect_gpu") else "skip"), why
    said = "; ".join(str(w.message).split("\n")[0] for w in caught)
    why = "torch.cuda.is_available() is False" + (": " + said if said else "")
    if OPTS.get("expect_gpu"):
        return "fail", why + " although this machine has an NVIDIA GPU"
    return "skip", why + " (no NVIDIA GPU or driver here)"


GPU = run("cuda_available", cuda_state) == "pass"
DEV = "cuda" if GPU else "cpu"
NO_GPU = "no usable CUDA device: GPU checks are skipped"


def skip_without_gpu(name, fn, device=""):
    if not GPU:
        add(name, "skip", NO_GPU, time.perf_counter(), device)
        return
    run(name, fn, device)


def device_archs(i):
    def check():
        major, minor = torch.cuda.get_device_capability(i)
        archs = torch.cuda.get_arch_list()
        sm = "sm_%d%d" % (major, minor)
        same_major = [a for a in archs if a.startswith("sm_") and int(a[3:].rstrip("af")) // 10 == major
                      and int(a[3:].rstrip("af")) % 10 <= minor and not a.endswith(("a", "f"))]
        ptx = [a for a in archs if a.startswith("compute_") and int(a[8:].rstrip("af")) <= major * 10 + minor]
        if sm in archs or same_major:
            return "pass", "%s: %s, wheel has %s" % (sm, torch.cuda.get_device_name(i), sm if sm in archs else same_major[-1])
        if ptx:
            return "pass", "%s runs %s PTX by JIT (slow first start): wheel archs %s" % (sm, ptx[-1], " ".join(archs))
        return "fail", "no kernel image for %s in this wheel (%s): 'no kernel image is available'" % (sm, " ".join(archs))
    return check


if GPU:
    for i in range(torch.cuda.device_count()):
        run("device_arch", device_archs(i), device="%d: %s" % (i, torch.cuda.get_device_name(i)))


def matmul():
    g = torch.Generator().manual_seed(0)
    a = torch.randn(512, 512, generator=g)
    b = torch.randn(512, 512, generator=g)
    ref = a @ b
    got = (a.to(DEV) @ b.to(DEV)).cpu()
    err = (got - ref).abs().max().item()
    return ("pass" if err < 5e-2 else "fail"), "512x512 on %s, max difference from the CPU %.3g" % (DEV, err)


skip_without_gpu("matmul_gpu_vs_cpu", matmul)


class PositionalEncoding(torch.nn.Module):
    """The common PyTorch positional encoding, its table registered as a buffer."""

    def __init__(self, d_model, max_len=64, as_buffer=True):
        super().__init__()
        import math
        position = torch.arange(max_len).unsqueeze(1)
        div_term = torch.exp(torch.arange(0, d_model, 2) * (-math.log(10000.0) / d_model))
        pe = torch.zeros(max_len, d_model)
        pe[:, 0::2] = torch.sin(position * div_term)
        pe[:, 1::2] = torch.cos(position * div_term)
        if as_buffer:
            self.register_buffer("pe", pe)
        else:
            self.pe = pe  # the trap: a plain attribute stays on the CPU and is not saved

    def forward(self, x):
        if x.size(1) > self.pe.size(0):
            raise ValueError("sequence length %d exceeds max_len %d" % (x.size(1), self.pe.size(0)))
        return x + self.pe[: x.size(1)]


def pe_buffer_moves():
    m = PositionalEncoding(32).to(DEV)
    return ("pass" if m.pe.device.type == DEV else "fail"), "buffer on %s after .to(%r)" % (m.pe.device, DEV)


def pe_state_dict():
    import io
    m = PositionalEncoding(32)
    if "pe" not in m.state_dict():
        return "fail", "the buffer is missing from state_dict"
    buf = io.BytesIO()
    torch.save(m.state_dict(), buf)
    buf.seek(0)
    m2 = PositionalEncoding(32)
    m2.pe.zero_()
    m2.load_state_dict(torch.load(buf))
    same = torch.equal(m.pe, m2.pe)
    return ("pass" if same else "fail"), "in state_dict; save/load round trip %s" % ("exact" if same else "differs")


def pe_forward():
    m = PositionalEncoding(32).to(DEV)
    y = m(torch.zeros(2, 10, 32, device=DEV))
    return "pass", "forward on %s, output on %s" % (DEV, y.device)


def pe_too_long():
    m = PositionalEncoding(32, max_len=16)
    try:
        m(torch.zeros(1, 17, 32))
    except ValueError as e:
        return "pass", "a 17-token sequence with max_len 16 fails clearly: %s" % e
    return "fail", "a sequence longer than max_len did not fail"


def pe_plain_attribute():
    m = PositionalEncoding(32, as_buffer=False).to("cuda")
    saved = "pe" in m.state_dict()
    try:
        m(torch.zeros(1, 8, 32, device="cuda"))
    except RuntimeError as e:
        line = str(e).split("\n")[0]
        return ("pass" if not saved else "fail"), "the plain-attribute variant stays on the CPU and is %s: %s" % (
            "not in state_dict" if not saved else "in state_dict", line)
    return "fail", "the plain-attribute variant did not raise the device-mismatch error"


skip_without_gpu("pe_buffer_moves_with_module", pe_buffer_moves)
run("pe_in_state_dict_and_round_trips", pe_state_dict)
run("pe_forward_on_device", pe_forward)
run("pe_longer_than_max_len_fails_clearly", pe_too_long)
skip_without_gpu("pe_plain_attribute_shows_device_mismatch", pe_plain_attribute)


def compiled():
    m = PositionalEncoding(32, max_len=64).to(DEV)
    c = torch.compile(m, fullgraph=True)
    worst = 0.0
    lengths = (7, 13, 32)
    for n in lengths:
        x = torch.randn(2, n, 32, device=DEV)
        worst = max(worst, (c(x) - m(x)).abs().max().item())
    return ("pass" if worst < 1e-5 else "fail"), "fullgraph on %s, lengths %s: max difference from eager %.3g" % (
        DEV, ",".join(map(str, lengths)), worst)


if VERSION < (2, 0):
    add("compile_matches_eager", "skip", "torch.compile needs torch 2.0 (this is %s)" % torch.__version__, time.perf_counter())
elif OPTS.get("no_compile"):
    add("compile_matches_eager", "skip", "--no-compile", time.perf_counter())
else:
    run("compile_matches_eager", compiled)


def amp(dtype):
    def check():
        if DEV == "cpu" and dtype == torch.float16:
            return "skip", "fp16 autocast is a GPU check"
        # Seeded: the same inputs every run, so a pass or fail is the build's, not the draw's.
        g = torch.Generator().manual_seed(0)
        a = torch.randn(256, 256, generator=g).to(DEV)
        b = torch.randn(256, 256, generator=g).to(DEV)
        with torch.autocast(device_type=DEV, dtype=dtype):
            c = a @ b
        ref = a @ b
        rel = ((c.float() - ref).abs().max() / ref.abs().max()).item()
        # Eight units in the last place of the format: bfloat16 keeps 8 bits of mantissa (an older
        # CPU autocast also sums in it, 0.04 was seen), float16 11.
        limit = max(2e-2, 8 * torch.finfo(dtype).eps)
        return ("pass" if c.dtype == dtype and rel < limit else "fail"), "%s matmul on %s, relative error %.3g" % (
            str(dtype).replace("torch.", ""), DEV, rel)
    return check


run("amp_bf16_matmul", amp(torch.bfloat16))
run("amp_fp16_matmul", amp(torch.float16))


def cudnn_conv():
    if not torch.backends.cudnn.is_available():
        return "fail", "cuDNN is not available to this torch"
    x = torch.randn(4, 8, 32, 32)
    w = torch.randn(16, 8, 3, 3)
    ref = torch.nn.functional.conv2d(x, w, padding=1)
    got = torch.nn.functional.conv2d(x.cuda(), w.cuda(), padding=1).cpu()
    err = (got - ref).abs().max().item()
    return ("pass" if err < 5e-2 else "fail"), "cuDNN %s conv2d, max difference from the CPU %.3g" % (torch.backends.cudnn.version(), err)


skip_without_gpu("cudnn_conv2d", cudnn_conv)


def sdpa():
    import math
    f = getattr(torch.nn.functional, "scaled_dot_product_attention", None)
    if f is None:
        return "skip", "scaled_dot_product_attention needs torch 2.0"
    q, k, v = (torch.randn(2, 4, 16, 32, device=DEV) for _ in range(3))
    got = f(q, k, v)
    ref = torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(32), dim=-1) @ v
    err = (got - ref).abs().max().item()
    return ("pass" if err < 1e-2 else "fail"), "on %s, max difference from the math %.3g" % (DEV, err)


run("scaled_dot_product_attention", sdpa)


class Big(torch.utils.data.Dataset):
    def __len__(self):
        return 2

    def __getitem__(self, i):
        return torch.full((16 * 1024 * 1024,), float(i))  # 64 MB of float32


def dataloader():
    shm = os.statvfs("/dev/shm") if os.path.isdir("/dev/shm") else None
    free = shm.f_bavail * shm.f_frsize if shm else None
    loader = torch.utils.data.DataLoader(Big(), batch_size=None, num_workers=2)
    got = [float(t[0]) for t in loader]
    ok = sorted(got) == [0.0, 1.0]
    return ("pass" if ok else "fail"), "2 workers passed two 64 MB tensors through shared memory (/dev/shm free %s MB)" % (
        free // (1 << 20) if free is not None else "?")


def dataloader_checked():
    try:
        return dataloader()
    except RuntimeError as e:
        msg = str(e).split("\n")[0]
        if "shared memory" in msg or "Bus error" in msg or "bus error" in msg:
            return "fail", "DataLoader workers cannot pass tensors: %s. /dev/shm is too small: run the container with --ipc=host or --shm-size=8g" % msg
        raise


run("dataloader_shm", dataloader_checked)
finish()
