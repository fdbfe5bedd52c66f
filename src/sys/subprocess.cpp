#include "torchdoctor/sys/subprocess.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
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
  if (o.input.empty()) close_fd(p.in[1]);
  else ::fcntl(p.in[1], F_SETFL, O_NONBLOCK);
  const auto deadline = start + o.timeout;
  char buf[65536];
  while (p.out[0] >= 0 || p.err[0] >= 0) {
    const auto now = Clock::now();
    if (now >= deadline) {
      r.timed_out = true;
      break;
    }
    pollfd fds[3] = {{p.out[0], POLLIN, 0}, {p.err[0], POLLIN, 0}, {p.in[1], POLLOUT, 0}};
    const int wait_ms = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now).count()) + 1;
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
      if (dst.size() < o.max_output) dst.append(buf, std::min(static_cast<std::size_t>(got), o.max_output - dst.size()));
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
    bool drop = false;
    for (const auto& u : o.unset_env) drop = drop || u == key;
    if (!drop) env.push_back(entry);
  }
  return env;
}

}  // namespace

std::string ChildOutcome::describe_failure() const {
  if (timed_out) {
    const auto s = elapsed.count() / 1000.0;
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
  // Report exec failure through a CLOEXEC pipe.
  int status_pipe[2];
  if (::pipe2(status_pipe, O_CLOEXEC) != 0) {
    close_all(p);
    return make_error(ErrorKind::io, std::string("pipe: ") + std::strerror(errno));
  }
  const auto start = Clock::now();
  const pid_t pid = ::fork();
  if (pid < 0) {
    close_all(p);
    ::close(status_pipe[0]);
    ::close(status_pipe[1]);
    return make_error(ErrorKind::io, std::string("fork: ") + std::strerror(errno));
  }
  if (pid == 0) {
    ::setpgid(0, 0);
    child_wire(p);
    ::execvpe(cargs[0], cargs.data(), envp.data());
    const int err = errno;
    (void)!::write(status_pipe[1], &err, sizeof err);
    ::_exit(127);
  }
  ::setpgid(pid, pid);
  ::close(status_pipe[1]);
  int exec_errno = 0;
  const ssize_t n = ::read(status_pipe[0], &exec_errno, sizeof exec_errno);
  ::close(status_pipe[0]);
  if (n == static_cast<ssize_t>(sizeof exec_errno)) {
    close_all(p);
    ::waitpid(pid, nullptr, 0);
    return make_error(ErrorKind::not_found, argv[0] + ": " + std::strerror(exec_errno));
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
