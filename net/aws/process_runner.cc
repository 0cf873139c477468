// credential_process, run without a shell: the command's words go to
// posix_spawnp as they are, so nothing in them is expanded, and no secret is
// ever placed in an argument by us.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/error.h"
#include "net/aws/aws_chain.h"

extern char** environ;

namespace ssm {
namespace {

constexpr size_t kMaxOutput = 1u << 20;

int64_t NowMs() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

class SpawnRunner : public ProcessRunner {
 public:
  ProcessOutput Run(const std::vector<std::string>& argv, long timeout_ms) override {
    int out[2];
    if (pipe2(out, O_CLOEXEC) != 0) throw Error::Failure("credential_process: no pipe: " + ErrnoText(errno));
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    // Its own process group, so a timeout stops whatever it started too.
    posix_spawnattr_t attributes;
    posix_spawnattr_init(&attributes);
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&attributes, 0);
    pid_t pid = 0;
    int rc = posix_spawnp(&pid, args[0], &actions, &attributes, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attributes);
    close(out[1]);
    if (rc != 0) {
      close(out[0]);
      throw Error::Failure("credential_process: cannot run " + argv[0] + ": " + ErrnoText(rc));
    }
    ProcessOutput result;
    std::string& buf = result.out.mutable_str();
    int64_t deadline = NowMs() + timeout_ms;
    char chunk[4096];
    for (;;) {
      int64_t left = deadline - NowMs();
      if (left <= 0) {
        result.timed_out = true;
        break;
      }
      struct pollfd p = {out[0], POLLIN, 0};
      int ready = poll(&p, 1, static_cast<int>(left));
      if (ready < 0 && errno == EINTR) continue;
      if (ready <= 0) continue;  // the deadline check above ends it
      ssize_t n = read(out[0], chunk, sizeof chunk);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      if (buf.size() + static_cast<size_t>(n) > kMaxOutput) {
        result.exit_status = -1;
        Cleanse(buf);
        buf.clear();
        kill(-pid, SIGKILL);
        close(out[0]);
        waitpid(pid, nullptr, 0);
        throw Error::Failure("credential_process " + argv[0] + " printed more than 1 MiB");
      }
      buf.append(chunk, static_cast<size_t>(n));
    }
    explicit_bzero(chunk, sizeof chunk);
    close(out[0]);
    if (result.timed_out) kill(-pid, SIGKILL);
    // The process closed its stdout; give it the rest of the time to exit.
    int status = 0;
    for (;;) {
      pid_t done = waitpid(pid, &status, result.timed_out ? 0 : WNOHANG);
      if (done == pid) break;
      if (done < 0 && errno != EINTR) break;
      if (done == 0) {
        if (NowMs() >= deadline) {
          result.timed_out = true;
          kill(-pid, SIGKILL);
          continue;
        }
        struct timespec pause = {0, 5 * 1000 * 1000};
        nanosleep(&pause, nullptr);
      }
    }
    if (!result.timed_out) result.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return result;
  }
};

}  // namespace

std::unique_ptr<ProcessRunner> NewProcessRunner() { return std::make_unique<SpawnRunner>(); }

}  // namespace ssm
