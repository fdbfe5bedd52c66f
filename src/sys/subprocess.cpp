#include "torchdoctor/sys/subprocess.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

extern char** environ;

namespace td {
namespace {

using Clock = std::chrono::steady_clock;

struct Pipes {
  int in[2] = {-1, -1};
  int out[2] = {-1, -1};
  int err[2] = {-1, -1};
};

void close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

bool make_pipes(Pipes& p) {
  return ::pipe2(p.in, O_CLOEXEC) == 0 && ::pipe2(p.out, O_CLOEXEC) == 0 && ::pipe2(p.err, O_CLOEXEC) == 0;
}

void close_all(Pipes& p) {
  for (int* fds : {p.in, p.out, p.err}) {
    close_fd(fds[0]);
    close_fd(fds[1]);
  }
}

// In the child: wire the pipes to fds 0-2.
void child_wire(Pipes& p) {
  ::dup2(p.in[0], 0);
  ::dup2(p.out[1], 1);
  ::dup2(p.err[1], 2);
}

// Feeds input, collects output and waits, killing the child's process group at the deadline.
ChildOutcome supervise(pid_t pid, Pipes& p, const SpawnOptions& o, Clock::time_point start) {
  ChildOutcome r;
  close_fd(p.in[0]);
  close_fd(p.out[1]);
  close_fd(p.err[1]);
  std::size_t written = 0;
  if (o.input.empty())
    close_fd(p.in[1]);
  else
    ::fcntl(p.in[1], F_SETFL, O_NONBLOCK);
  const auto deadline = start + o.timeout;
  char buf[65536];
  while (p.out[0] >= 0 || p.err[0] >= 0) {
    const auto now = Clock::now();
    if (now >= deadline) {
      r.timed_out = true;
      break;
    }
    pollfd fds[3] = {{p.out[0], POLLIN, 0}, {p.err[0], POLLIN, 0}, {p.in[1], POLLOUT, 0}};
    const int wait_ms =
        static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now).count()) + 1;
    const int n = ::poll(fds, 3, wait_ms);
    if (n < 0 && errno != EINTR) break;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
      const ssize_t got = ::read(fds[i].fd, buf, sizeof buf);
      if (got <= 0) {
        close_fd(i == 0 ? p.out[0] : p.err[0]);
        continue;
      }
      std::string& dst = i == 0 ? r.out : r.err;
      if (dst.size() < o.max_output)
        dst.append(buf, std::min(static_cast<std::size_t>(got), o.max_output - dst.size()));
    }
    if (fds[2].fd >= 0 && (fds[2].revents & (POLLOUT | POLLERR | POLLHUP)) != 0) {
      const ssize_t put = ::write(p.in[1], o.input.data() + written, o.input.size() - written);
      if (put > 0) written += static_cast<std::size_t>(put);
      if (put < 0 || written >= o.input.size()) close_fd(p.in[1]);
    }
  }
  if (r.timed_out) {
    ::kill(-pid, SIGKILL);
    ::kill(pid, SIGKILL);
  }
  close_all(p);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!r.timed_out) {
    if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
    if (WIFSIGNALED(status)) r.signal = WTERMSIG(status);
  }
  r.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
  return r;
}

std::vector<std::string> build_env(const SpawnOptions& o) {
  std::vector<std::string> env;
  if (o.env) {
    for (const auto& [k, v] : *o.env) env.push_back(k + "=" + v);
    return env;
  }
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string entry(*e);
    const std::string key = entry.substr(0, entry.find('='));
    bool drop = o.set_env.contains(key);
    for (const auto& u : o.unset_env) drop = drop || u == key;
    if (!drop) env.push_back(entry);
  }
  for (const auto& [k, v] : o.set_env) env.push_back(k + "=" + v);
  return env;
}

// The program to execute: `name` itself when it has a slash, else the first executable in PATH.
// Resolving here (instead of posix_spawnp) gives the same "not found" everywhere, emulators included.
Result<std::string> resolve_program(const std::string& name) {
  if (name.find('/') != std::string::npos) {
    if (::access(name.c_str(), X_OK) != 0) return make_error(ErrorKind::not_found, name + ": " + std::strerror(errno));
    return name;
  }
  const char* path_env = std::getenv("PATH");  // NOLINT(concurrency-mt-unsafe): read-only
  const std::string path = path_env != nullptr ? path_env : "/usr/local/bin:/usr/bin:/bin";
  std::size_t start = 0;
  while (start <= path.size()) {
    const std::size_t end = std::min(path.find(':', start), path.size());
    const std::string dir = path.substr(start, end - start);
    if (!dir.empty()) {
      const std::string candidate = dir + "/" + name;
      if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    }
    start = end + 1;
  }
  return make_error(ErrorKind::not_found, name + ": not found in PATH");
}

}  // namespace

std::string ChildOutcome::describe_failure() const {
  if (timed_out) {
    const double s = static_cast<double>(elapsed.count()) / 1000.0;
    char buf[64];
    std::snprintf(buf, sizeof buf, "did not answer in %.1f s", s);
    return buf;
  }
  if (signal) return "crashed (signal " + std::to_string(*signal) + ", " + ::strsignal(*signal) + ")";
  if (exit_code && *exit_code != 0) return "exited with status " + std::to_string(*exit_code);
  return "ok";
}

Result<ChildOutcome> run_program(const std::vector<std::string>& argv, const SpawnOptions& o) {
  if (argv.empty()) return make_error(ErrorKind::internal, "run_program: empty argv");
  auto program = resolve_program(argv[0]);
  if (!program) return program.error();
  Pipes p;
  if (!make_pipes(p)) {
    close_all(p);
    return make_error(ErrorKind::io, std::string("pipe: ") + std::strerror(errno));
  }
  std::vector<std::string> env_s = build_env(o);
  std::vector<char*> envp;
  for (auto& e : env_s) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::vector<std::string> args = argv;
  std::vector<char*> cargs;
  for (auto& a : args) cargs.push_back(a.data());
  cargs.push_back(nullptr);

  // posix_spawn (vfork-style) rather than fork: cheaper, safe in threaded programs, and it works
  // under qemu-user, where a plain fork() hangs on some kernels.
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, p.in[0], 0);
  posix_spawn_file_actions_adddup2(&actions, p.out[1], 1);
  posix_spawn_file_actions_adddup2(&actions, p.err[1], 2);
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  posix_spawnattr_setpgroup(&attr, 0);
  sigset_t none;
  sigset_t all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &all);
  const auto start = Clock::now();
  pid_t pid = 0;
  const int rc = ::posix_spawn(&pid, program->c_str(), &actions, &attr, cargs.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) {
    close_all(p);
    return make_error(rc == ENOENT || rc == EACCES || rc == ENOEXEC ? ErrorKind::not_found : ErrorKind::io,
                      argv[0] + ": " + std::strerror(rc));
  }
  return supervise(pid, p, o, start);
}

Result<ChildOutcome> run_in_child(const std::function<std::string()>& fn, const SpawnOptions& o) {
  Pipes p;
  if (!make_pipes(p)) {
    close_all(p);
    return make_error(ErrorKind::io, std::string("pipe: ") + std::strerror(errno));
  }
  std::fflush(nullptr);
  const auto start = Clock::now();
  const pid_t pid = ::fork();
  if (pid < 0) {
    close_all(p);
    return make_error(ErrorKind::io, std::string("fork: ") + std::strerror(errno));
  }
  if (pid == 0) {
    ::setpgid(0, 0);
    child_wire(p);
    for (const auto& u : o.unset_env) ::unsetenv(u.c_str());
    for (const auto& [k, v] : o.set_env) ::setenv(k.c_str(), v.c_str(), 1);
    if (o.env) {
      ::clearenv();
      for (const auto& [k, v] : *o.env) ::setenv(k.c_str(), v.c_str(), 1);
    }
    const std::string reply = fn();
    std::size_t off = 0;
    while (off < reply.size()) {
      const ssize_t w = ::write(1, reply.data() + off, reply.size() - off);
      if (w <= 0) break;
      off += static_cast<std::size_t>(w);
    }
    ::_exit(0);
  }
  ::setpgid(pid, pid);
  return supervise(pid, p, o, start);
}

}  // namespace td
