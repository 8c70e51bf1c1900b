/* Runs the sketch: setup(), then loop() until the simulated clock passes argv[1] microseconds.
 * Host command bytes are read from stdin up front and delivered as Serial input. */
#include "Arduino.h"

#include <stdlib.h>
#include <vector>

uint32_t stub_clock_us = 0;
StubSerial Serial;
static std::vector<uint8_t> input;
static size_t input_pos = 0;
static unsigned reads = 0;

int StubSerial::available() { return (int)(input.size() - input_pos); }
int StubSerial::read() { return input_pos < input.size() ? input[input_pos++] : -1; }
int analogRead(uint8_t) {
    stub_clock_us += 10;
    return (int)(100u + (reads++ % 800u));
}

void setup();
void loop();

int main(int argc, char **argv) {
    uint32_t until = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 10) : 100000u;
    int c;
    while ((c = getchar()) != EOF) {
        input.push_back((uint8_t)c);
    }
    setup();
    while (stub_clock_us < until) {
        loop();
    }
    fflush(stdout);
    return 0;
}
