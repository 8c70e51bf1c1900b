/*
 * 16-FSR insole on an Arduino-compatible board, printing its readings as text (PROTOCOL.md §5,
 * line mode): the simplest firmware a maker writes, and what `pressure record` reads as it is.
 *
 * Hardware: as ../insole16 (16 force-sensing resistors in voltage dividers, a CD74HC4067
 * multiplexer with S0..S3 on pins 4..7 and SIG on A0).
 *
 * Output, 115200 baud: one boot message, one header line naming the columns, then one line per
 * reading at RATE_HZ: the board's millis() and the 16 ADC counts, comma-separated:
 *
 *     insole16_text ready
 *     millis,fsr1,fsr2,...,fsr16
 *     120000,512,498,0,...
 *
 * Use `pressure record PORT --side left -o walk.insole` (or `--side right`), then
 * `pressure profile init walk.insole` to describe the board once (README, "Home-made insoles").
 * For both feet on one board, name the columns L1..L16,R1..R16 in the header.
 */
#include <Arduino.h>

#define N_SENSORS 16
#define RATE_HZ 100UL

static const uint8_t MUX_PINS[4] = {4, 5, 6, 7};
static const uint8_t SIG_PIN = A0;
static unsigned long next_due_ms;

static int read_channel(uint8_t channel)
{
    uint8_t bit;
    for (bit = 0; bit < 4; bit++) {
        digitalWrite(MUX_PINS[bit], (channel >> bit) & 1u ? HIGH : LOW);
    }
    delayMicroseconds(10); /* let the multiplexer and the ADC's sample capacitor settle */
    return analogRead(SIG_PIN);
}

void setup()
{
    uint8_t bit;
    for (bit = 0; bit < 4; bit++) {
        pinMode(MUX_PINS[bit], OUTPUT);
    }
    Serial.begin(115200);
    Serial.println("insole16_text ready");
    Serial.print("millis");
    for (bit = 1; bit <= N_SENSORS; bit++) {
        Serial.print(",fsr");
        Serial.print(bit);
    }
    Serial.println();
    next_due_ms = millis();
}

void loop()
{
    uint8_t k;
    unsigned long now = millis();
    if ((long)(now - next_due_ms) < 0) {
        return;
    }
    next_due_ms += 1000UL / RATE_HZ;
    Serial.print(now);
    for (k = 0; k < N_SENSORS; k++) {
        Serial.print(',');
        Serial.print(read_channel(k));
    }
    Serial.println();
}
