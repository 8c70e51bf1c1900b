/* A minimal host stand-in for the Arduino API, enough to build and run the example sketches on a PC.
 * Serial input comes from stdin, output goes to stdout; micros() is a simulated clock that
 * advances by 10 us per analogRead and 1 us per other call; analogRead returns a ramp. */
#ifndef ARDUINO_STUB_H
#define ARDUINO_STUB_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define HIGH 1
#define LOW 0
#define OUTPUT 1
#define A0 14

extern uint32_t stub_clock_us;

inline void pinMode(uint8_t, uint8_t) {}
inline void digitalWrite(uint8_t, uint8_t) { stub_clock_us += 1; }
inline void delayMicroseconds(unsigned int us) { stub_clock_us += us; }
inline uint32_t micros() { return stub_clock_us++; }
inline unsigned long millis() { return (unsigned long)(stub_clock_us++ / 1000u); }
int analogRead(uint8_t pin);

class StubSerial {
  public:
    void begin(unsigned long) {}
    int available();
    int read();
    size_t write(const uint8_t *data, size_t n) { return fwrite(data, 1, n, stdout); }
    /* the text printing of Arduino's Print class, as line-mode sketches use it (println ends
     * a line with CR LF) */
    size_t print(const char *text) { return (size_t)printf("%s", text); }
    size_t print(char c) { return (size_t)printf("%c", c); }
    size_t print(int v) { return (size_t)printf("%d", v); }
    size_t print(unsigned int v) { return (size_t)printf("%u", v); }
    size_t print(long v) { return (size_t)printf("%ld", v); }
    size_t print(unsigned long v) { return (size_t)printf("%lu", v); }
    size_t print(uint8_t v) { return (size_t)printf("%u", (unsigned)v); }
    size_t println(const char *text) { return print(text) + println(); }
    size_t println() { return (size_t)printf("\r\n"); }
};
extern StubSerial Serial;
#endif
