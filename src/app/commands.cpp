// The command table: one row per subcommand, in the order --help lists them.
#include <array>

#include "torchdoctor/app/commands.hpp"

namespace td {
namespace {

const std::array k_commands{
    Command{"doctor", "probe this machine and say what runs, what doesn't and why (the default)",
            "torchdoctor [doctor] [options]",
            "Probes this machine (no Python, no GPU work) and reports what it found, in the spirit of\n"
            "`flutter doctor`. Exit 0 when all is well, 1 when a problem was found.\n\n"
            "Examples:\n  torchdoctor\n  torchdoctor --host snapshot.json --driver 535.104.05",
            doctor_options, run_doctor, 0, "text,json,markdown"},
    Command{"probe", "describe this machine, a mounted tree or a snapshot, fact by fact, with sources",
            "torchdoctor probe [options]",
            "Reads the OS, CPU, glibc, memory, /dev/shm, container, NVIDIA driver, PCI GPUs, Jetson/L4T,\n"
            "board and container tooling from files. The driver's CUDA level and each GPU's compute\n"
            "capability come from NVML, else libcuda, else nvidia-smi, each asked in a child process that\n"
            "is killed after --gpu-timeout; the answer is cached until the next boot or driver change.\n"
            "Every fact names its source; an unknown fact is shown as unknown (null in JSON) with the reason.\n\n"
            "Examples:\n  torchdoctor probe\n  torchdoctor probe --json > host.json\n"
            "  torchdoctor probe --root /mnt/image --format markdown\n"
            "  torchdoctor probe --host host.json --gpu sm_120 --driver 570.86.15",
            probe_options, run_probe, 0, "text,json,markdown"},
    Command{
        "recommend", "the best wheel and image for this host, with the exact install command",
        "torchdoctor recommend [options]",
        "Judges every torch wheel (release x variant) and image the knowledge base knows against this host:\n"
        "CPU architecture, Jetson/L4T, Python, glibc, the driver's CUDA level and each GPU's compute\n"
        "capability against the build's compiled architectures. Prints the newest build that runs natively\n"
        "on every GPU and the best image, each with its platform and install command, and why newer ones\n"
        "were rejected: one line per reason code (--verbose: each candidate, with the knowledge base's\n"
        "sourcing notes; --all: every candidate). Exit 1 when nothing fits.\n\n"
        "Examples:\n  torchdoctor recommend\n  torchdoctor recommend --gpu 'RTX 5090' --driver 570.86.15 --no-probe\n"
        "  torchdoctor recommend --torch 2.6 --all --json",
        recommend_options, run_recommend, 0, "text,json,markdown"},
    Command{"explain", "diagnose error messages, logs and pasted collect_env reports",
            "torchdoctor explain [TEXT...] [--file LOG] [options]",
            "Reads error text (arguments, --file LOG, or stdin), a log, or a pasted\n"
            "`python -m torch.utils.collect_env` report (recognised automatically), matches the knowledge\n"
            "base's error signatures, and judges them against this machine's facts (or --host, --no-probe and\n"
            "the what-if flags): the same message has different causes on different machines. Prints ranked\n"
            "diagnoses with the cause, the evidence (input line, fact) and the fix. Exit 1 when a problem is\n"
            "diagnosed, 0 when no known signature is found, 2 for unreadable input.\n\n"
            "Examples:\n  python train.py 2>&1 | torchdoctor explain\n"
            "  torchdoctor explain --file collect_env.txt --no-probe\n"
            "  torchdoctor explain 'CUDA error: no kernel image is available for execution on the device' --gpu sm_120",
            explain_options, run_explain, -1, "text,json,markdown"},
    Command{"kb", "validate, read or update the knowledge base (kb check DIR, kb show TOPIC, kb status, kb update)",
            "torchdoctor kb check DIR | torchdoctor kb show TOPIC [--kb DIR] [--json|--format markdown]\n"
            "       torchdoctor kb show schema [TABLE] [--json|--format markdown] | torchdoctor kb status [--json]\n"
            "       torchdoctor kb update --from URL|DIR [--timeout SECONDS]",
            "The knowledge base is data (data/kb/*.toml, schema in docs/kb.md), embedded at build time; every\n"
            "record names the source it was read from. `kb check DIR` validates a directory (exit 2 listing\n"
            "each problem as file:line); `kb show TOPIC` prints a table: cuda, drivers, toolkits, compilers,\n"
            "arch-names, gpus, torch, wheels, images, jetson, jetson-builds, boards, codes; `kb show schema\n"
            "[TABLE]` the field tables every record is checked against (docs/kb.md's reference). `kb status`\n"
            "says which knowledge base the commands use (embedded, or an installed update), its date and age,\n"
            "and why an installed update is not used. `kb update --from URL|DIR` installs a signed bundle\n"
            "(scripts/kb-bundle.py) in $XDG_DATA_HOME/torchdoctor/kb when its signature, checksums and records\n"
            "are valid and it is newer than the knowledge base in use (exit 2 for a bad bundle, 3 when it cannot\n"
            "be fetched, 1 when older).",
            kb_options, run_kb, 4, "text,json,markdown"},
    Command{"image", "check container images in their registry before a pull: exists, platform, NVIDIA_REQUIRE_*",
            "torchdoctor image REF... [options]",
            "Asks each image's registry (Docker Hub, nvcr.io, ghcr.io, quay.io or any OCI registry) for its index,\n"
            "the manifest for this host's platform and its config, without pulling layers. Reports a missing tag\n"
            "with the nearest tags (TAG_NOT_FOUND), an image without a build for this platform (ARCH_MISMATCH,\n"
            "the 'exec format error' of x86 images on a Jetson), and NVIDIA_REQUIRE_* conditions the NVIDIA\n"
            "runtime would refuse here (REQUIRE_UNSATISFIED, with its 'unsatisfied condition' text).\n"
            "Credentials come from ~/.docker/config.json (auths, credHelpers, credsStore). Answers are cached\n"
            "under $XDG_CACHE_HOME/torchdoctor/registry; --offline uses only the cache.\n"
            "Exit 0 when every image fits, 1 when one does not, 2 for a malformed reference, 3 when a registry\n"
            "could not be asked.\n\n"
            "Examples:\n  torchdoctor image nvcr.io/nvidia/pytorch:24.05-py3\n"
            "  torchdoctor image pytorch/pytorch:2.3.0-cuda12.1-cudnn8-runtime --arch aarch64\n"
            "  torchdoctor image localhost:5000/me/train:1 --insecure-registry localhost:5000 --json",
            image_options, run_image, -1, "text,json,markdown"},
    Command{"run-command", "the exact docker/podman/compose/Kubernetes command that runs an image here with the GPU",
            "torchdoctor run-command IMAGE [-- COMMAND...] [--engine docker|podman|compose|k8s] [options]",
            "Writes the command that starts IMAGE on this host, with one \"why\" line per decision on stderr:\n"
            "the GPU flag this host needs (--runtime nvidia on a Jetson, --gpus all with the NVIDIA Container\n"
            "Toolkit, --device nvidia.com/gpu=all through CDI for podman; NO_CONTAINER_GPU_RUNTIME with the\n"
            "install steps when the toolkit or CDI spec is missing), /dev/shm sized from RAM for DataLoader\n"
            "workers (or --ipc-host), the --ulimit memlock/stack flags NGC images ask for, the current folder\n"
            "at /workspace, and you as the user so files stay yours (--as-root to keep the image's user).\n"
            "--engine compose writes a compose file, --engine k8s a Pod with nvidia.com/gpu limits and a\n"
            "memory-backed /dev/shm. The image is checked for this host first (registry, cache or, with\n"
            "--offline, the knowledge base; --no-check skips it). Only the command goes to stdout.\n"
            "Exit 0 when the command will work, 1 when it will not (missing GPU runtime, an image that\n"
            "cannot run here), 2 for bad input.\n\n"
            "Examples:\n  torchdoctor run-command nvcr.io/nvidia/pytorch:24.05-py3 -- python train.py\n"
            "  torchdoctor run-command dustynv/l4t-pytorch:r36.4.0 --jupyter\n"
            "  torchdoctor run-command pytorch/pytorch:2.5.1-cuda12.4-cudnn9-runtime --engine k8s > pod.yaml\n"
            "  $(torchdoctor run-command --quiet --offline pytorch/pytorch:latest) python -c 'import torch'",
            run_command_options, run_run_command, -1, "text,json"},
    Command{
        "fleet", "judge many probe snapshots against images: where each runs, and why not elsewhere",
        "torchdoctor fleet SNAPSHOT... [--image REF...] [--format text|json|jsonl|csv|html] [--output FILE]",
        "Reads `torchdoctor probe --json` snapshots: files, folders of .json/.jsonl files, or JSON lines on\n"
        "stdin (-). Each node is reduced to what placement needs (arch, GPUs and compute capabilities, the\n"
        "driver's CUDA level, Jetson L4T) and each --image to what it needs (its platforms, the CUDA level\n"
        "its NVIDIA_REQUIRE_CUDA asks for, the kernels of the torch inside, Jetson or not), from its registry\n"
        "or, with --offline, the knowledge base. Prints per image where it runs and, per reason code, where\n"
        "it does not. A snapshot that cannot be read (truncated line, another schema, a duplicate node name)\n"
        "is reported with its file and line; the rest of the fleet is still judged.\n"
        "Exit 0 when every image runs on every node, 1 when one does not (or an input was rejected), 2 for\n"
        "bad usage or when no snapshot could be read, 3 when an image could not be found.\n\n"
        "Examples:\n  torchdoctor fleet snapshots/ --image pytorch/pytorch:2.6.0-cuda12.4-cudnn9-runtime --offline\n"
        "  ssh node1 torchdoctor probe --json | torchdoctor fleet - --image nvcr.io/nvidia/pytorch:25.12-py3\n"
        "  torchdoctor fleet snapshots/ --image a:1 --image b:2 --format html --output placement.html\n"
        "  torchdoctor fleet nodes.jsonl --image a:1 --image b:2 --format csv > placement.csv",
        fleet_options, run_fleet, -1, "text,json,jsonl,csv,html"},
    Command{"k8s", "Kubernetes: node labels for Node Feature Discovery, and the nodeAffinity for an image",
            "torchdoctor k8s labels [--output FILE] [--every SECONDS] | torchdoctor k8s affinity IMAGE [--format "
            "yaml|json]",
            "`k8s labels` writes this node's torch-level facts as an NFD features.d file (name=value lines, written\n"
            "atomically, under 64 kB): the driver and its CUDA level (GPU feature discovery's names under the\n"
            "torchdoctor.dev/ prefix), GPU count, product, family and compute capabilities, Jetson L4T/JetPack, and\n"
            "for each torch variant (cu126, cu128, cpu, ...) whether its newest wheel runs natively here and which\n"
            "release that is. deploy/daemonset.yaml runs it on every node with --every. `k8s affinity IMAGE` prints\n"
            "the nodeAffinity (matchExpressions on those labels and kubernetes.io/arch) that selects exactly the\n"
            "nodes where the image runs, and the container's nvidia.com/gpu limit. Labels are documented in\n"
            "docs/kubernetes.md.\n\n"
            "Examples:\n  torchdoctor k8s labels\n"
            "  torchdoctor k8s labels --host-root /host --output "
            "/etc/kubernetes/node-feature-discovery/features.d/torchdoctor --every 3600\n"
            "  torchdoctor k8s affinity pytorch/pytorch:2.6.0-cuda12.4-cudnn9-runtime --offline",
            k8s_options, run_k8s, 2, "yaml,text,json"},
    Command{
        "verify", "run real work: our CUDA kernels through libcuda, and a torch suite with each Python",
        "torchdoctor verify [--suite native|torch] [--python PATH] [--json] [options]",
        "\"torch.cuda.is_available() is True\" is not \"it works\". The native suite loads libcuda at run time in a\n"
        "time-boxed child (no Python, no CUDA runtime), creates a context per device, loads torchdoctor's\n"
        "kernels (a fatbinary built at build time for every architecture nvcc compiles, plus PTX; NVRTC on\n"
        "their embedded source otherwise) and checks vector add, a tiled SGEMM and the sinusoidal\n"
        "positional-encoding table against CPU references, then pinned H2D/D2H and D2D bandwidth. The torch\n"
        "suite runs an embedded script with each interpreter that has torch (or --python): CUDA\n"
        "availability with the reason, each device's capability against the wheel's arch list, a GPU\n"
        "matmul against the CPU, the positional-encoding buffer checks (moves with the module, saved in\n"
        "state_dict, the plain-attribute trap), torch.compile(fullgraph=True) against eager on varying\n"
        "lengths, AMP bf16/fp16, a cuDNN convolution, scaled_dot_product_attention and a DataLoader with\n"
        "2 workers passing 64 MB tensors (/dev/shm). Every check is pass, fail or skip with the reason and\n"
        "its time. --image IMAGE runs the suites inside IMAGE with run-command's flags and this binary\n"
        "mounted in (docker or podman). Exit 1 when a check fails, 0 otherwise.\n\n"
        "Examples:\n  torchdoctor verify\n  torchdoctor verify --suite native --json\n"
        "  torchdoctor verify --suite torch --python ~/venvs/train/bin/python --no-compile\n"
        "  torchdoctor verify --image nvcr.io/nvidia/pytorch:25.12-py3",
        verify_options, run_verify, 0, "text,json,markdown"},
    Command{"build-env", "decide whether this node builds CUDA extensions, and for which GPUs (no GPU needed)",
            "torchdoctor build-env [--format sh|cmake|json|github|make|nvcc|text] [--targets LIST] [options]",
            "Decides from what a build needs, never from a visible GPU: CUDA is built when a CUDA toolkit with\n"
            "nvcc is found and the default Python's torch is a CUDA build (torch.version.cuda, read from\n"
            "version.py without importing torch). It never loads libcuda or NVML unless --visible-gpus asks.\n"
            "Mode: TORCHDOCTOR_CUDA=auto|force|off wins, then USE_CUDA=0 (off), then FORCE_CUDA=1 (force).\n"
            "Architectures: TORCH_CUDA_ARCH_LIST (validated against the toolkit) > --targets > --visible-gpus\n"
            "> torch's own compiled list that the toolkit can compile, with +PTX on the newest; never empty.\n"
            "Checks CUDA_HOME against PATH's nvcc and torch.version.cuda (TOOLKIT_MISMATCH: a different major\n"
            "is an error, a minor a warning) and the host compiler against nvcc's supported range.\n"
            "Exit 0 when decided (build or skip), 1 when the build would fail (a problem above), 2 for bad\n"
            "input such as an invalid TORCH_CUDA_ARCH_LIST.\n\n"
            "Examples:\n  eval \"$(torchdoctor build-env --format sh)\" && pip install --no-build-isolation .\n"
            "  cmake -S . -B build $(torchdoctor build-env --format cmake)\n"
            "  torchdoctor build-env --targets 'A100,H100,RTX 4090' --format github >> \"$GITHUB_ENV\"\n"
            "  torchdoctor build-env --targets fleet/ --json      # a folder of probe --json snapshots",
            build_env_options, run_build_env, 0, "text,sh,cmake,json,github,make,nvcc"},
};

}  // namespace

std::span<const Command> commands() { return k_commands; }

}  // namespace td
