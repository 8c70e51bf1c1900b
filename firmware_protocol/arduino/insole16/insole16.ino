/*
 * 16-FSR insole on an Arduino-compatible board, streaming insole wire protocol version 1.
 *
 * Hardware: 16 force-sensing resistors, each in a voltage divider (FSR to Vcc, 10 kOhm to GND),
 * into the 16 channels of a CD74HC4067 analog multiplexer. Multiplexer S0..S3 on digital pins
 * 4..7, its common SIG on A0, its EN to GND. Channel k is sensor k of the layout.
 *
 * Build: copy ../../c/fp_protocol.c and ../../c/fp_protocol.h into this folder (the Arduino
 * IDE compiles every .c file beside the sketch), open insole16.ino, upload.
 *
 * Behaviour (PROTOCOL.md): on power-up it sends STATUS BOOT and DEVICE_INFO, then waits for
 * START (set AUTOSTART to 1 to stream at once). Commands: START, STOP, REQUEST_INFO, SET_RATE
 * (1..1000 Hz), TARE. Samples carry the time they were taken (micros()).
 */
#include <Arduino.h>

#include "fp_protocol.h"

#define INSOLE_SIDE FP_SIDE_LEFT
#define DEVICE_ID 0x00000001UL
#define N_SENSORS 16
#define ADC_BITS 10
#define DEFAULT_RATE_HZ 100UL
#define AUTOSTART 0

static const uint8_t MUX_PINS[4] = {4, 5, 6, 7};
static const uint8_t SIG_PIN = A0;

static uint8_t rx_buf[FP_COMMAND_FRAME_MAX];
static uint8_t tx_buf[FP_SAMPLE_FRAME_SIZE(N_SENSORS) + 64];
static fp_parser parser;

static uint16_t values[N_SENSORS];
static uint16_t offsets[N_SENSORS];
static uint16_t seq;
static uint8_t streaming;
static uint32_t period_us = 1000000UL / DEFAULT_RATE_HZ;
static uint32_t next_due_us;

static void send(size_t n)
{
    if (n) {
        Serial.write(tx_buf, n);
    }
}

static void send_status(uint16_t code, uint8_t severity, uint8_t command)
{
    send(fp_encode_status(tx_buf, sizeof tx_buf, code, severity, command, micros(), NULL, 0));
}

static void send_info(void)
{
    fp_device_info info;
    info.device_id = DEVICE_ID;
    info.fw_major = 1;
    info.fw_minor = 0;
    info.fw_patch = 0;
    info.side = INSOLE_SIDE;
    info.unit = FP_UNIT_ADC_COUNTS;
    info.adc_bits = ADC_BITS;
    info.sensor_count = N_SENSORS;
    info.rate_mhz = 1000000000UL / period_us; /* mHz */
    info.scale = 1.0f;
    info.layout = "fsr16";
    info.layout_len = 5;
    send(fp_encode_info(tx_buf, sizeof tx_buf, &info));
}

static uint16_t read_channel(uint8_t channel)
{
    uint8_t bit;
    for (bit = 0; bit < 4; bit++) {
        digitalWrite(MUX_PINS[bit], (channel >> bit) & 1u ? HIGH : LOW);
    }
    delayMicroseconds(10); /* let the multiplexer and the ADC's sample capacitor settle */
    return (uint16_t)analogRead(SIG_PIN);
}

static void read_all(void)
{
    uint8_t k;
    for (k = 0; k < N_SENSORS; k++) {
        uint16_t raw = read_channel(k);
        values[k] = raw > offsets[k] ? (uint16_t)(raw - offsets[k]) : 0u;
    }
}

static void tare(void)
{
    uint32_t sum[N_SENSORS] = {0};
    uint8_t k, round_;
    for (round_ = 0; round_ < 8; round_++) {
        for (k = 0; k < N_SENSORS; k++) {
            sum[k] += read_channel(k);
        }
    }
    for (k = 0; k < N_SENSORS; k++) {
        offsets[k] = (uint16_t)(sum[k] / 8u);
    }
}

static void handle(const fp_command *cmd)
{
    switch (cmd->command) {
    case FP_CMD_START:
        if (!streaming) { /* a START the host retried while streaming changes nothing */
            seq = 0;
            streaming = 1;
            next_due_us = micros();
        }
        send_status(FP_STATUS_OK, FP_SEVERITY_INFO, cmd->command);
        break;
    case FP_CMD_STOP:
        streaming = 0;
        send_status(FP_STATUS_OK, FP_SEVERITY_INFO, cmd->command);
        break;
    case FP_CMD_REQUEST_INFO:
        send_info();
        break;
    case FP_CMD_SET_RATE:
        if (cmd->rate_mhz < 1000UL || cmd->rate_mhz > 1000000UL) {
            send_status(FP_STATUS_BAD_ARGUMENT, FP_SEVERITY_WARNING, cmd->command);
        } else {
            period_us = (uint32_t)(1000000000ULL / cmd->rate_mhz);
            send_status(FP_STATUS_OK, FP_SEVERITY_INFO, cmd->command);
        }
        break;
    case FP_CMD_TARE:
        tare();
        send_status(FP_STATUS_OK, FP_SEVERITY_INFO, cmd->command);
        break;
    default:
        send_status(FP_STATUS_UNKNOWN_COMMAND, FP_SEVERITY_WARNING, cmd->command);
        break;
    }
}

static void poll_commands(void)
{
    fp_event ev;
    fp_command cmd;
    while (Serial.available() > 0) {
        uint8_t byte = (uint8_t)Serial.read();
        fp_parser_feed(&parser, &byte, 1);
        while (fp_parser_next(&parser, &ev, 0)) {
            if (ev.kind == FP_EV_FRAME && ev.type == FP_TYPE_COMMAND &&
                fp_decode_command(ev.payload, ev.payload_len, &cmd) == 0) {
                handle(&cmd);
            }
        }
    }
}

void setup()
{
    uint8_t bit;
    for (bit = 0; bit < 4; bit++) {
        pinMode(MUX_PINS[bit], OUTPUT);
    }
    Serial.begin(921600);
    fp_parser_init(&parser, rx_buf, sizeof rx_buf);
    send_status(FP_STATUS_BOOT, FP_SEVERITY_INFO, 0);
    send_info();
    streaming = AUTOSTART;
    next_due_us = micros();
}

void loop()
{
    uint8_t flags = 0;
    uint32_t now;
    poll_commands();
    if (!streaming) {
        return;
    }
    now = micros();
    if ((int32_t)(now - next_due_us) < 0) {
        return;
    }
    if ((uint32_t)(now - next_due_us) >= period_us) {
        /* fell behind by a whole period or more: skip the missed slots and say so */
        flags |= FP_FLAG_DEVICE_OVERRUN;
        next_due_us = now;
    }
    next_due_us += period_us;
    read_all();
    send(fp_encode_sample(tx_buf, sizeof tx_buf, seq++, INSOLE_SIDE, flags, now, values,
                          N_SENSORS));
}
