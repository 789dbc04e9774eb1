/*
 * nrf52840.h - the few nRF52840 and Cortex-M4 registers the loopback
 * firmware touches, by address.  No vendor SDK: offsets are from the
 * nRF52840 Product Specification v1.x (chapters CLOCK, GPIO, UARTE) and the
 * ARMv7-M Architecture Reference Manual (SCB, NVIC, SysTick).
 */
#ifndef FW_NRF52840_H
#define FW_NRF52840_H

#include <stdint.h>

#define FW_REG(addr) (*(volatile uint32_t *)(uintptr_t)(addr))

/* CLOCK, base 0x40000000 (PS: CLOCK registers). */
#define CLOCK_BASE 0x40000000u
#define CLOCK_TASKS_HFCLKSTART FW_REG(CLOCK_BASE + 0x000)
#define CLOCK_EVENTS_HFCLKSTARTED FW_REG(CLOCK_BASE + 0x100)

/* GPIO port P0, base 0x50000000 (PS: GPIO registers). */
#define P0_BASE 0x50000000u
#define P0_OUTSET FW_REG(P0_BASE + 0x508)
#define P0_DIRSET FW_REG(P0_BASE + 0x518)
#define P0_PIN_CNF(n) FW_REG(P0_BASE + 0x700 + 4u * (n))
/* PIN_CNF = 0: input, input buffer connected (INPUT=Connect), no pull. */
#define PIN_CNF_INPUT_CONNECTED 0u

/* UARTE0, base 0x40002000 (PS: UARTE registers; shares ID 2 with UART0). */
#define UARTE0_BASE 0x40002000u
#define UARTE0_IRQN 2u
#define UARTE_TASKS_STARTRX FW_REG(UARTE0_BASE + 0x000)
#define UARTE_TASKS_STOPRX FW_REG(UARTE0_BASE + 0x004)
#define UARTE_TASKS_STARTTX FW_REG(UARTE0_BASE + 0x008)
#define UARTE_TASKS_FLUSHRX FW_REG(UARTE0_BASE + 0x02C)
#define UARTE_EVENTS_RXDRDY FW_REG(UARTE0_BASE + 0x108)
#define UARTE_EVENTS_ENDRX FW_REG(UARTE0_BASE + 0x110)
#define UARTE_EVENTS_ENDTX FW_REG(UARTE0_BASE + 0x120)
#define UARTE_EVENTS_ERROR FW_REG(UARTE0_BASE + 0x124)
#define UARTE_EVENTS_RXTO FW_REG(UARTE0_BASE + 0x144)
#define UARTE_EVENTS_RXSTARTED FW_REG(UARTE0_BASE + 0x14C)
#define UARTE_SHORTS FW_REG(UARTE0_BASE + 0x200)
#define UARTE_INTENSET FW_REG(UARTE0_BASE + 0x304)
#define UARTE_ERRORSRC FW_REG(UARTE0_BASE + 0x480) /* write 1 to clear */
#define UARTE_ENABLE FW_REG(UARTE0_BASE + 0x500)
#define UARTE_PSEL_RTS FW_REG(UARTE0_BASE + 0x508)
#define UARTE_PSEL_TXD FW_REG(UARTE0_BASE + 0x50C)
#define UARTE_PSEL_CTS FW_REG(UARTE0_BASE + 0x510)
#define UARTE_PSEL_RXD FW_REG(UARTE0_BASE + 0x514)
#define UARTE_BAUDRATE FW_REG(UARTE0_BASE + 0x524)
#define UARTE_RXD_PTR FW_REG(UARTE0_BASE + 0x534)
#define UARTE_RXD_MAXCNT FW_REG(UARTE0_BASE + 0x538) /* 16 bits on the nRF52840 */
#define UARTE_RXD_AMOUNT FW_REG(UARTE0_BASE + 0x53C)
#define UARTE_TXD_PTR FW_REG(UARTE0_BASE + 0x544)
#define UARTE_TXD_MAXCNT FW_REG(UARTE0_BASE + 0x548)
#define UARTE_TXD_AMOUNT FW_REG(UARTE0_BASE + 0x54C)
#define UARTE_CONFIG FW_REG(UARTE0_BASE + 0x56C)

#define UARTE_SHORTS_ENDRX_STARTRX (1u << 5)
#define UARTE_INT_ENDRX (1u << 4)
#define UARTE_INT_ERROR (1u << 9)
#define UARTE_INT_RXTO (1u << 17)
#define UARTE_INT_RXSTARTED (1u << 19)
#define UARTE_ERRORSRC_OVERRUN (1u << 0)
#define UARTE_ERRORSRC_PARITY (1u << 1)
#define UARTE_ERRORSRC_FRAMING (1u << 2)
#define UARTE_ERRORSRC_BREAK (1u << 3)
#define UARTE_ENABLE_ENABLED 8u
#define UARTE_CONFIG_HWFC (1u << 0)
#define UARTE_MAXCNT_MAX 0xFFFFu

/*
 * BAUDRATE values of the UARTE (PS: UARTE BAUDRATE register).  They are NOT
 * the legacy UART's: UART 115200 is 0x01D7E000, UARTE 115200 is 0x01D60000.
 */
#if FW_BAUD == 9600
#define UARTE_BAUDRATE_VALUE 0x00275000u
#elif FW_BAUD == 19200
#define UARTE_BAUDRATE_VALUE 0x004EA000u
#elif FW_BAUD == 38400
#define UARTE_BAUDRATE_VALUE 0x009D0000u
#elif FW_BAUD == 57600
#define UARTE_BAUDRATE_VALUE 0x00EB0000u
#elif FW_BAUD == 115200
#define UARTE_BAUDRATE_VALUE 0x01D60000u /* actual 115108 */
#elif FW_BAUD == 230400
#define UARTE_BAUDRATE_VALUE 0x03B00000u /* actual 231884 */
#elif FW_BAUD == 250000
#define UARTE_BAUDRATE_VALUE 0x04000000u
#elif FW_BAUD == 460800
#define UARTE_BAUDRATE_VALUE 0x07400000u /* actual 457143 */
#elif FW_BAUD == 921600
#define UARTE_BAUDRATE_VALUE 0x0F000000u /* actual 941176 */
#elif FW_BAUD == 1000000
#define UARTE_BAUDRATE_VALUE 0x10000000u
#else
#error "FW_BAUD: no UARTE BAUDRATE value for this rate"
#endif

/* Cortex-M4 system control space (ARMv7-M ARM B3.2). */
#define SCB_CPACR FW_REG(0xE000ED88u)     /* CP10/CP11 full access: bits 20..23 */
#define SCB_SHPR3 FW_REG(0xE000ED20u)     /* SysTick priority: bits 24..31 */
#define SYST_CSR FW_REG(0xE000E010u)      /* ENABLE bit 0, TICKINT 1, CLKSOURCE 2 */
#define SYST_RVR FW_REG(0xE000E014u)
#define SYST_CVR FW_REG(0xE000E018u)
#define NVIC_ISER0 FW_REG(0xE000E100u)
#define NVIC_IPR(n) (*(volatile uint8_t *)(uintptr_t)(0xE000E400u + (n)))

/* The nRF52840 implements 3 priority bits: the top bits of each byte. */
#define FW_PRIO(p) ((uint8_t)((p) << 5))

#endif
