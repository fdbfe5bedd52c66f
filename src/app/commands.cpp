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
            "board and container tooling from files. The driver's CUDA level and each GPU's compute\n"
            "capability come from NVML, else libcuda, else nvidia-smi, each asked in a child process that\n"
            "is killed after --gpu-timeout; the answer is cached until the next boot or driver change.\n"
            "Every fact names its source; an unknown fact is shown as unknown (null in JSON) with the reason.\n\n"
            "Examples:\n  torchdoctor probe\n  torchdoctor probe --json > host.json\n"
            "  torchdoctor probe --root /mnt/image --format markdown\n"
            "  torchdoctor probe --host host.json --gpu sm_120 --driver 570.86.15",
            probe_options, run_probe},
};

}  // namespace

std::span<const Command> commands() { return k_commands; }

}  // namespace td
