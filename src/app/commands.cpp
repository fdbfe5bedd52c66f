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
            doctor_options, run_doctor},
    Command{"probe", "describe this machine, a mounted tree or a snapshot, fact by fact, with sources",
            "torchdoctor probe [options]",
            "Reads the OS, CPU, glibc, memory, /dev/shm, container, NVIDIA driver, PCI GPUs, Jetson/L4T,\n"
            "board and container tooling from files only; never loads a GPU library. Every fact names its\n"
            "source; an unknown fact is shown as unknown (null in JSON) with the reason.\n\n"
            "Examples:\n  torchdoctor probe\n  torchdoctor probe --json > host.json\n"
            "  torchdoctor probe --root /mnt/image --format markdown\n"
            "  torchdoctor probe --host host.json --gpu sm_120 --driver 570.86.15",
            probe_options, run_probe},
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
            image_options, run_image},
};

}  // namespace

std::span<const Command> commands() { return k_commands; }

}  // namespace td
