// bench-runner: runs a command many times with stdin from a file, after a
// warm-up, and prints one JSON line with every timed run's wall-clock time and
// peak resident memory (from wait4's rusage) and the count of runs (warm-ups
// included) that did not exit CODE:
//   {"runs":N,"failures":F,"times_ms":[...],"rss_kb":[...]}
// It computes no statistic: bench/report.py does, for every case in one place
// (`bench/report.py --stats <LINES` for lines of your own). No shell sits
// between the timer and the command, so short commands are measured, not sh.
//
//   bench-runner [--runs N] [--warmup W] [--input FILE] [--prepare SHELLCMD]
//                [--expect-exit CODE] -- COMMAND [ARG...]
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

double NowMs() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

struct Sample {
  double ms;
  long rss_kb;
  int exit_code;
};

Sample RunOnce(char** argv, const char* input) {
  double start = NowMs();
  pid_t pid = fork();
  if (pid == 0) {
    int in = open(input != nullptr ? input : "/dev/null", O_RDONLY);
    int null = open("/dev/null", O_WRONLY);
    if (in < 0 || null < 0) _exit(126);
    dup2(in, 0);
    dup2(null, 1);
    dup2(null, 2);
    execvp(argv[0], argv);
    _exit(127);
  }
  int status = 0;
  struct rusage usage;
  wait4(pid, &status, 0, &usage);
  double end = NowMs();
  return {end - start, usage.ru_maxrss, WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status)};
}

}  // namespace

int main(int argc, char** argv) {
  int runs = 50, warmup = 5, expect = 0;
  const char* input = nullptr;
  const char* prepare = nullptr;
  int i = 1;
  for (; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--") {
      ++i;
      break;
    }
    if (i + 1 >= argc) break;
    if (a == "--runs") runs = std::atoi(argv[++i]);
    else if (a == "--warmup") warmup = std::atoi(argv[++i]);
    else if (a == "--input") input = argv[++i];
    else if (a == "--prepare") prepare = argv[++i];
    else if (a == "--expect-exit") expect = std::atoi(argv[++i]);
    else {
      std::fprintf(stderr, "bench-runner: unknown option %s\n", a.c_str());
      return 2;
    }
  }
  if (i >= argc || runs < 1) {
    std::fprintf(stderr,
                 "usage: bench-runner [--runs N] [--warmup W] [--input F] [--prepare CMD] [--expect-exit C] "
                 "-- CMD...\n");
    return 2;
  }
  char** command = argv + i;
  int failures = 0;
  std::vector<double> times;
  std::vector<long> rss;
  for (int r = 0; r < warmup + runs; ++r) {
    if (prepare != nullptr && std::system(prepare) != 0) {
      std::fprintf(stderr, "bench-runner: the prepare command failed\n");
      return 1;
    }
    Sample s = RunOnce(command, input);
    if (s.exit_code != expect) ++failures;
    if (r < warmup) continue;
    times.push_back(s.ms);
    rss.push_back(s.rss_kb);
  }
  std::printf("{\"runs\":%d,\"failures\":%d,\"times_ms\":[", runs, failures);
  for (size_t j = 0; j < times.size(); ++j) std::printf("%s%.3f", j ? "," : "", times[j]);
  std::printf("],\"rss_kb\":[");
  for (size_t j = 0; j < rss.size(); ++j) std::printf("%s%ld", j ? "," : "", rss[j]);
  std::printf("]}\n");
  return failures == 0 ? 0 : 3;
}
