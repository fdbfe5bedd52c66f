#include "run_binary.hpp"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <string_view>

extern char** environ;

namespace td::test {

std::string fixture_root(const std::string& name) {
  return std::string(TD_SOURCE_DIR) + "/tests/fixtures/roots/" + name;
}

RunResult run_td(const std::vector<std::string>& args, const std::string& input, const std::vector<std::string>& env) {
  return run_binary(TD_BINARY, args, input, env);
}

RunResult run_binary(const std::string& binary, const std::vector<std::string>& args, const std::string& input,
                     const std::vector<std::string>& env) {
  int in_pipe[2];
  int out_pipe[2];
  int err_pipe[2];
  if (::pipe2(in_pipe, O_CLOEXEC) != 0 || ::pipe2(out_pipe, O_CLOEXEC) != 0 || ::pipe2(err_pipe, O_CLOEXEC) != 0) {
    throw std::runtime_error("pipe failed");
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in_pipe[0], 0);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err_pipe[1], 2);

  // Cross-built tests run the binary under an emulator (TD_EMULATOR="qemu-aarch64 -L /usr/aarch64-linux-gnu").
  std::vector<std::string> argv_s;
  if (const char* emu = std::getenv("TD_EMULATOR"); emu != nullptr && *emu != '\0') {
    std::string word;
    for (const char* c = emu;; ++c) {
      if (*c == ' ' || *c == '\0') {
        if (!word.empty()) argv_s.push_back(word);
        word.clear();
        if (*c == '\0') break;
      } else {
        word += *c;
      }
    }
  }
  argv_s.push_back(binary);
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  const std::string program = argv_s.front();
  std::vector<char*> argv;
  for (auto& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);

  // A variable in `env` replaces the default of the same name (getenv would see the first). The
  // default HOME is an empty folder of this call's own, removed afterwards: the caches the binary
  // writes there must neither outlive the test nor pass from one call to the next.
  std::vector<std::string> env_s;
  const auto given = [&](std::string_view key) {
    for (const auto& e : env) {
      if (e.size() > key.size() && e.compare(0, key.size(), key) == 0 && e[key.size()] == '=') return true;
    }
    return false;
  };
  if (!given("PATH")) env_s.emplace_back("PATH=/usr/bin:/bin");
  std::string home;
  if (!given("HOME")) {
    char tmpl[] = "/tmp/td-home-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) throw std::runtime_error("mkdtemp failed");
    home = tmpl;
    env_s.push_back("HOME=" + home);
  }
  struct RemoveHome {
    const std::string& path;
    ~RemoveHome() {
      std::error_code ec;
      if (!path.empty()) std::filesystem::remove_all(path, ec);
    }
  } remove_home{home};
  env_s.insert(env_s.end(), env.begin(), env.end());
  std::vector<char*> envp;
  for (auto& e : env_s) envp.push_back(e.data());
  envp.push_back(nullptr);

  // A child that exits without reading its input must not kill the test with SIGPIPE; the child
  // itself starts with SIGPIPE at its default, like under a shell.
  static const bool k_sigpipe_ignored = (std::signal(SIGPIPE, SIG_IGN), true);
  (void)k_sigpipe_ignored;
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t defaults;
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGPIPE);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF);
  pid_t pid = 0;
  const int spawned = posix_spawnp(&pid, program.c_str(), &actions, &attr, argv.data(), envp.data());
  posix_spawnattr_destroy(&attr);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) throw std::runtime_error("spawn failed");
  ::close(in_pipe[0]);
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  if (!input.empty()) {
    std::size_t off = 0;
    while (off < input.size()) {
      const ssize_t n = ::write(in_pipe[1], input.data() + off, input.size() - off);
      if (n <= 0) break;
      off += static_cast<std::size_t>(n);
    }
  }
  ::close(in_pipe[1]);

  RunResult r;
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  int open_fds = 2;
  char buf[65536];
  // Read until both pipes close: the binary's own time limits are under test, not ours. A run past
  // ten minutes is killed so that a hang fails the test instead of the whole suite.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(10);
  while (open_fds > 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      r.err += "\n[run_td: killed after 10 minutes]";
      break;
    }
    const int ready = ::poll(fds, 2, 1000);
    if (ready < 0 && errno != EINTR) break;
    if (ready <= 0) continue;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      const ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
      if (n <= 0) {
        ::close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      } else {
        (i == 0 ? r.out : r.err).append(buf, static_cast<std::size_t>(n));
      }
    }
  }
  for (auto& p : fds) {
    if (p.fd >= 0) ::close(p.fd);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

std::string binary_for_shell() {
  std::string out = TD_BINARY;  // a build path: no quoting needed (callers embed it in bash -c '...')
  if (const char* emu = std::getenv("TD_EMULATOR"); emu != nullptr && *emu != '\0') out = std::string(emu) + " " + out;
  return out;
}

std::string capture(const std::string& command) {
  std::string out;
  FILE* p = ::popen(command.c_str(), "r");
  if (p == nullptr) return out;
  char buf[4096];
  std::size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  ::pclose(p);
  return out;
}

bool have_pyyaml() { return capture("/usr/bin/python3 -c 'import yaml; print(1)' 2>/dev/null") == "1\n"; }

nlohmann::json yaml_to_json(const std::string& yaml) {
  // One file per process and call: ctest runs tests in parallel processes.
  static int calls = 0;
  const std::string path = "/tmp/td-yaml-" + std::to_string(::getpid()) + "-" + std::to_string(++calls) + ".yaml";
  std::FILE* f = std::fopen(path.c_str(), "w");
  if (f == nullptr) return nlohmann::json::value_t::discarded;
  std::fwrite(yaml.data(), 1, yaml.size(), f);
  std::fclose(f);
  const std::string out =
      capture("/usr/bin/python3 -c 'import json,sys,yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))' " +
              path + " 2>&1");
  std::remove(path.c_str());
  return nlohmann::json::parse(out, nullptr, false);
}

nlohmann::json offline_image(const std::vector<std::string>& extra, int want) {
  std::vector<std::string> args{"image", "--offline", "--json", "--no-probe"};
  args.insert(args.end(), extra.begin(), extra.end());
  const auto r = run_td(args, "", {"XDG_CACHE_HOME=/tmp/td-offline-image-empty-cache"});
  if (want >= 0) {
    EXPECT_EQ(r.code, want) << r.err << r.out;
  }
  const nlohmann::json j = nlohmann::json::parse(r.out, nullptr, false);
  EXPECT_FALSE(j.is_discarded()) << r.out << r.err;
  return j;
}

}  // namespace td::test
