// dualiter on Asio: a loopback TCP server sends lines with small delays, and a dualiter task
// reads them with async iteration, as Python's
//
//   reader, writer = await asyncio.open_connection("127.0.0.1", port)
//   async for line in reader: print(line)
//
// Then the same async_generator ticker runs once on the embedded event loop and once on Asio:
// sleep_for asks the engine the coroutine runs on.
#include <dualiter/asio.hpp>  // first: it prepares Asio for coroutines
// clang-format off
#include <asio.hpp>
// clang-format on

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include <dualiter/async_generator.hpp>
#include <dualiter/event_loop.hpp>
#include <dualiter/task.hpp>

using namespace std::chrono_literals;
using tcp = asio::ip::tcp;

// Accepts one connection, sends each line after a short pause, then closes.
dualiter::task<> serve(tcp::acceptor& acceptor, std::vector<std::string> lines) {
  tcp::socket peer = co_await acceptor.async_accept(dualiter::asio::use_awaitable);
  for (const std::string& line : lines) {
    co_await dualiter::sleep_for(5ms);
    co_await asio::async_write(peer, asio::buffer(line), dualiter::asio::use_awaitable);
  }
}  // closing the socket ends the client's iteration

// async for line in reader: ...
dualiter::task<int> read_all(asio::io_context& io, tcp::endpoint server) {
  tcp::socket socket(io);
  co_await socket.async_connect(server, dualiter::asio::use_awaitable);
  auto lines = dualiter::asio::lines(socket);
  int count = 0;
  for (auto it = dualiter::aiter(lines); auto line = co_await dualiter::anext(it);) {
    std::printf("  received: \"%s\"\n", line->c_str());
    ++count;
  }
  co_return count;
}

// One source of ticks for both engines.
dualiter::async_generator<int> ticker(int n, std::chrono::milliseconds period) {
  for (int i = 0; i < n; ++i) {
    co_await dualiter::sleep_for(period);
    co_yield i;
  }
}

dualiter::task<int> sum_ticks(const char* engine) {
  int sum = 0;
  auto ticks = ticker(4, 2ms);
  for (auto it = dualiter::aiter(ticks); auto tick = co_await dualiter::anext(it);) sum += *tick;
  std::printf("  ticker on %s: sum %d\n", engine, sum);
  co_return sum;
}

int main() {
  asio::io_context io;
  tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  std::printf("server on 127.0.0.1:%u\n", static_cast<unsigned>(acceptor.local_endpoint().port()));
  dualiter::asio::spawn(io, serve(acceptor, {"hello\n", "from the\r\n", "", "loopback\n", "end"}),
                        asio::detached);
  auto received =
      dualiter::asio::spawn(io, read_all(io, acceptor.local_endpoint()), asio::use_future);
  io.run();
  const int lines = received.get();
  std::printf("%d lines\n", lines);

  std::printf("the same ticker on both engines:\n");
  const int on_loop = dualiter::run(sum_ticks("the embedded event loop"));
  io.restart();
  auto on_asio = dualiter::asio::spawn(io, sum_ticks("Asio"), asio::use_future);
  io.run();
  return lines == 4 && on_loop == 6 && on_asio.get() == 6 ? 0 : 1;
}
