// bench-runner: runs a command many times with stdin from a file, after a
// warm-up, and prints one JSON line with the median, mean, spread and the
// median peak resident memory (from wait4's rusage). No shell sits between
// the timer and the command, so short commands are measured, not sh.
//
//   bench-runner [--runs N] [--warmup W] [--input FILE] [--prepare SHELLCMD]
//                [--expect-exit CODE] [--samples] -- COMMAND [ARG...]
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
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

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

}  // namespace

int main(int argc, char** argv) {
  int runs = 50, warmup = 5, expect = 0;
  bool samples = false;
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
    else if (a == "--samples") samples = true;
    else {
      std::fprintf(stderr, "bench-runner: unknown option %s\n", a.c_str());
      return 2;
    }
  }
  if (i >= argc || runs < 1) {
    std::fprintf(stderr,
                 "usage: bench-runner [--runs N] [--warmup W] [--input F] [--prepare CMD] [--expect-exit C] [--samples] "
                 "-- CMD...\n");
    return 2;
  }
  char** command = argv + i;
  int failures = 0;
  std::vector<double> times, rss;
  for (int r = 0; r < warmup + runs; ++r) {
    if (prepare != nullptr && std::system(prepare) != 0) {
      std::fprintf(stderr, "bench-runner: the prepare command failed\n");
      return 1;
    }
    Sample s = RunOnce(command, input);
    if (s.exit_code != expect) ++failures;
    if (r < warmup) continue;
    times.push_back(s.ms);
    rss.push_back(static_cast<double>(s.rss_kb));
  }
  double mean = 0;
  for (double t : times) mean += t;
  mean /= static_cast<double>(times.size());
  double var = 0;
  for (double t : times) var += (t - mean) * (t - mean);
  double stddev = times.size() > 1 ? std::sqrt(var / static_cast<double>(times.size() - 1)) : 0;
  std::printf(
      "{\"runs\":%d,\"median_ms\":%.3f,\"mean_ms\":%.3f,\"stddev_ms\":%.3f,\"min_ms\":%.3f,\"max_ms\":%.3f,"
      "\"maxrss_kb\":%.0f,\"failures\":%d",
      runs, Median(times), mean, stddev, *std::min_element(times.begin(), times.end()),
      *std::max_element(times.begin(), times.end()), Median(rss), failures);
  if (samples) {  // every timed run, for merging chunks of one case run at different times
    for (int k = 0; k < 2; ++k) {
      const std::vector<double>& v = k == 0 ? times : rss;
      std::printf(k == 0 ? ",\"times_ms\":[" : "],\"rss_kb\":[");
      for (size_t j = 0; j < v.size(); ++j) std::printf(k == 0 ? "%s%.3f" : "%s%.0f", j ? "," : "", v[j]);
    }
    std::printf("]");
  }
  std::printf("}\n");
  return failures == 0 ? 0 : 3;
}
